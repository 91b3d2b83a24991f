// A real browser for the page tests: playwright-core driving Debian's Chromium (.ci/run installs it).
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after } from 'node:test'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { REPO } from '../helpers.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** Without Chromium the browser tests are skipped on a developer's machine, never in CI. */
export const skipWithoutBrowser = !existsSync(CHROMIUM) && process.env.CI !== 'true' ? `no browser at ${CHROMIUM} (apt-get install chromium)` : false

let shared: Promise<Browser> | undefined

/** One Chromium per test file: call `after(closeBrowser)` at the top of the file. */
export function browser(): Promise<Browser> {
  shared ??= chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
  return shared
}

export async function closeBrowser(): Promise<void> {
  if (shared) await (await shared).close()
  shared = undefined
}

/** A fresh context (cookies, storage) per flow, closed with the test; `bypassCSP` for tests that inject scripts (axe) or check escaping alone. */
export async function newPage(options: { bypassCSP?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await (await browser()).newContext({ bypassCSP: options.bypassCSP ?? false, viewport: { width: 1280, height: 900 } })
  after(() => context.close().catch(() => {}))
  const page = await context.newPage()
  return { context, page }
}

/** Screenshots for a person to look at: test-output/ (not committed). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(REPO, 'test-output', 'screenshots')
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true })
}
