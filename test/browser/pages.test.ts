import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { makeDb, runCli, serve, tempDir, type TestServer } from '../helpers.ts'
import { closeBrowser, newPage, screenshot, skipWithoutBrowser } from './browser.ts'

const CATEGORIES = ['alpha', 'beta', 'gamma']
/** 30 items: id i, category by i % 3, price i * 1.5. */
function shop(): { db: string; config: string } {
  const dir = tempDir('dataserve-browser-')
  const values = Array.from({ length: 30 }, (_, k) => `(${k + 1}, 'item ${k + 1}', '${CATEGORIES[(k + 1) % 3]}', ${(k + 1) * 1.5})`).join(', ')
  const db = makeDb(join(dir, 'shop.db'), `create table items (id integer primary key, name text, category text, price real); insert into items values ${values};`)
  const config = join(dir, 'datasette.yaml')
  writeFileSync(config, 'allow: true\nallow_sql: true\n')
  return { db, config }
}

const ids = async (page: Page) => (await page.locator('table.rows tbody tr td:nth-child(2)').allTextContents()).map(Number)

describe('pages in a real browser', { skip: skipWithoutBrowser }, () => {
  after(closeBrowser)
  it('a person browses: home, database, table, sorts, adds two filters, pages forward twice, takes the CSV, runs a query', async () => {
    const files = shop()
    const server = await serve({ databases: [{ path: files.db }], configFile: files.config })
    const { page } = await newPage()
    await page.goto(server.url)
    await screenshot(page, 'index')
    await page.getByRole('link', { name: 'shop', exact: true }).first().click()
    await page.waitForURL(/\/shop$/)
    await screenshot(page, 'database')
    await page.getByRole('link', { name: 'items', exact: true }).first().click()
    await page.waitForURL(/\/shop\/items$/)
    assert.match((await page.locator('p.meta').first().textContent())!, /30 rows/)

    await page.getByRole('link', { name: 'Sort by price descending' }).click()
    await page.waitForURL(/_sort_desc=price/)
    assert.deepEqual((await ids(page)).slice(0, 3), [30, 29, 28])

    await page.selectOption('#filter-column-0', 'category')
    await page.selectOption('#filter-op-0', 'exact')
    await page.fill('#filter-value-0', 'beta')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(/category=beta/)
    await page.selectOption('#filter-column-1', 'price')
    await page.selectOption('#filter-op-1', 'gt')
    await page.fill('#filter-value-1', '10')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(/price__gt=10/)
    const url = new URL(page.url())
    assert.equal(url.searchParams.get('category'), 'beta')
    assert.equal(url.searchParams.get('_sort_desc'), 'price', 'the sort survives the form')
    // beta: id % 3 == 1; price > 10 → id ≥ 7: 7, 10, …, 28 (8 rows), dearest first.
    const expected = [28, 25, 22, 19, 16, 13, 10, 7]
    assert.deepEqual(await ids(page), expected)
    await screenshot(page, 'table-filtered')

    // Three pages of three: every row once, in order, and no next link at the end.
    await page.goto(`${page.url()}&_size=3`)
    const seen: number[] = [...(await ids(page))]
    for (let i = 0; i < 2; i++) {
      await page.getByRole('link', { name: 'Next page' }).click()
      await page.waitForURL(/_next=/)
      seen.push(...(await ids(page)))
    }
    assert.deepEqual(seen, expected)
    assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), 0)

    const csvHref = await page.getByRole('link', { name: 'CSV', exact: true }).getAttribute('href')
    const csv = await page.request.get(new URL(csvHref!, server.url).href)
    assert.equal(csv.status(), 200)
    const lines = (await csv.text()).trim().split(/\r?\n/)
    assert.equal(lines[0], 'id,name,category,price')
    const streamHref = await page.getByRole('link', { name: 'CSV (all rows, download)' }).getAttribute('href')
    assert.match(streamHref!, /\.csv\?.*_stream=on.*_dl=1/)
    const all = await page.request.get(new URL(streamHref!, server.url).href)
    const allText = await all.text()
    assert.equal(all.status(), 200, allText)
    assert.equal(allText.trim().split(/\r?\n/).length, 1 + expected.length, 'every filtered row, all pages')

    await page.goto(new URL('/shop', server.url).href)
    await page.fill('#sql', "select category, count(*) as n from items group by category order by category")
    await page.getByRole('button', { name: 'Run SQL' }).click()
    await page.waitForURL(/\/shop\/-\/query\?sql=/)
    assert.deepEqual(await page.locator('table.rows tbody tr').allTextContents(), ['alpha10', 'beta10', 'gamma10'])
    await screenshot(page, 'query')
    await page.goto(new URL('/shop/items/7', server.url).href)
    assert.match((await page.locator('h1').textContent())!, /items: 7/)
    await screenshot(page, 'row')
    const missing = await page.goto(new URL('/shop/nope', server.url).href)
    assert.equal(missing!.status(), 404)
    assert.match((await page.locator('h1').textContent())!, /404/)
    await screenshot(page, 'error')
  })

  it('--root: the login URL signs the browser in and lands on /, which says so; log out signs it out', async () => {
    const files = shop()
    const run = runCli([files.db, '-c', files.config, '--root', '--port', '0'])
    const url = await run.url
    const login = /(http:\/\/\S+\/-\/auth-token\?token=\w+)/.exec(run.stdout())?.[1]
    assert.ok(login, run.stdout())
    const { page } = await newPage()
    await page.goto(login)
    assert.equal(new URL(page.url()).pathname, '/')
    assert.match((await page.locator('header .actor').textContent())!, /Signed in as root/)
    await screenshot(page, 'signed-in')
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL(new URL('/', url).href)
    assert.match((await page.locator('header .actor').textContent())!, /Not signed in/)
    const again = await page.goto(login)
    assert.equal(again!.status(), 403, 'the login URL works once')
    run.child.kill('SIGTERM')
    await run.exited
  })

  it('a signed-in person creates a managed token, sees it listed, revokes it, and the token is refused', async () => {
    const files = shop()
    const run = runCli([files.db, '-c', files.config, '--root', '--port', '0'])
    const url = await run.url
    const login = /(http:\/\/\S+\/-\/auth-token\?token=\w+)/.exec(run.stdout())![1]!
    const { context, page } = await newPage()
    await page.goto(login)
    await page.goto(new URL('/-/tokens', url).href)
    assert.match((await page.locator('main').textContent())!, /No tokens yet/)
    await page.fill('#description', 'for the weekly report')
    await page.getByRole('button', { name: 'Create token' }).click()
    await page.waitForLoadState('load')
    const token = await page.inputValue('#new-token')
    assert.match(token, /^dsmt_/)
    // The copy button (the one script, from this server, on pages with something to copy).
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin })
    await page.getByRole('button', { name: 'Copy to the clipboard' }).click()
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token)
    assert.equal(await page.getByRole('button', { name: 'Copy to the clipboard' }).textContent(), 'Copied')
    await screenshot(page, 'token-created')
    const read = (value: string) => page.request.get(new URL('/shop/items.json?_size=1', url).href, { headers: { authorization: `Bearer ${value}`, cookie: '' } })
    assert.equal((await read(token)).status(), 200)
    await page.getByRole('link', { name: 'Back to your tokens' }).click()
    const row = page.locator('tbody tr', { hasText: 'for the weekly report' })
    assert.match((await row.textContent())!, /active/)
    await screenshot(page, 'tokens')
    await row.getByRole('button', { name: /^Revoke token/ }).click()
    await page.waitForURL(new URL('/-/tokens', url).href)
    assert.match((await page.locator('tbody tr', { hasText: 'for the weekly report' }).textContent())!, /revoked/)
    assert.equal((await read(token)).status(), 401)
    await page.goto(new URL('/-/create-token', url).href)
    assert.match((await page.locator('h1').textContent())!, /Create an API token for root/)
    await page.getByRole('button', { name: 'Create token' }).click()
    await page.waitForLoadState('load')
    assert.match(await page.inputValue('#new-token'), /^dstok_/)
    run.child.kill('SIGTERM')
    await run.exited
  })

  it('names and values holding markup are shown as text and never run', async () => {
    const dir = tempDir('dataserve-xss-')
    const table = '<script>window.__xss="table"</script>'
    const column = '"><img src=x onerror="window.__xss=\'column\'">'
    const payloads = ['<script>window.__xss="row"</script>', '"><img src=x onerror="window.__xss=\'img\'">', 'javascript:window.__xss="link"', "'><svg onload=window.__xss='svg'>"]
    const db = makeDb(
      join(dir, 'evil"><img src=x onerror=window.__xss=1>.db'),
      `create table "${table.replace(/"/g, '""')}" (id integer primary key, "${column.replace(/"/g, '""')}" text); ` + payloads.map((p, i) => `insert into "${table.replace(/"/g, '""')}" values (${i + 1}, '${p.replace(/'/g, "''")}');`).join(' '),
    )
    const config = join(dir, 'datasette.yaml')
    writeFileSync(config, 'allow: true\nallow_sql: true\n')
    const server: TestServer = await serve({ databases: [{ path: db }], configFile: config })
    // bypassCSP: escaping alone must hold; the CSP is a second wall, checked apart.
    const { page } = await newPage({ bypassCSP: true })
    await page.goto(server.url)
    await page.locator('main a').first().click()
    await page.locator('main ul.listing a').first().click()
    await page.waitForLoadState('load')
    for (const payload of payloads) assert.equal(await page.getByText(payload, { exact: true }).count(), 1, payload)
    assert.equal(await page.getByRole('heading', { name: table }).count(), 1)
    assert.ok((await page.locator('th').allTextContents()).some((text) => text.startsWith(column)))
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0)
    await page.locator('tbody a').first().click()
    await page.waitForLoadState('load')
    await page.waitForTimeout(100)
    assert.equal(await page.evaluate(() => (window as { __xss?: unknown }).__xss), undefined)
    await screenshot(page, 'xss-row')
  })

  it('no serious or critical accessibility violations on any page type (axe-core)', async () => {
    const files = shop()
    const server = await serve({ databases: [{ path: files.db }], configFile: files.config })
    const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
    const { page } = await newPage({ bypassCSP: true })
    const found: string[] = []
    for (const path of ['/', '/shop', '/shop/items?category=beta&_sort_desc=price&_size=5', '/shop/items/3', '/shop/-/query?sql=select+1+as+one', '/shop/nope', '/-/tokens']) {
      await page.goto(new URL(path, server.url).href)
      await page.addScriptTag({ content: axe })
      const violations = await page.evaluate(async () => {
        const result = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe.run()
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`)
      })
      for (const violation of violations) found.push(`${path}: ${violation}`)
    }
    assert.deepEqual(found, [])
  })
})
