import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { grantFor } from '../../src/builtins/embed/plugin.ts'
import { signEmbed } from '../../src/builtins/embed/token.ts'
import { makeDb, serve, tempDir } from '../helpers.ts'
import { closeBrowser, newPage, screenshot, skipWithoutBrowser } from './browser.ts'

describe('embed links in a real browser', { skip: skipWithoutBrowser }, () => {
  after(closeBrowser)

  it('an embed link renders inside an iframe on another origin; another path is refused there; a plain page will not be framed', async () => {
    // The other site: a page of iframes, on its own port (another origin).
    let html = ''
    const host = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html))
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve))
    after(() => new Promise<void>((resolve) => host.close(() => resolve())))
    const hostOrigin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`

    const dir = tempDir('dataserve-embed-browser-')
    const db = makeDb(join(dir, 'shop.db'), "create table items (id integer primary key, category text); insert into items values (1, 'beta'), (2, 'beta'), (3, 'alpha');")
    const config = join(dir, 'datasette.yaml')
    writeFileSync(config, `databases:\n  shop:\n    allow: true\nplugins:\n  embed:\n    allowed_origins: [${hostOrigin}]\n`)
    const server = await serve({ databases: [{ path: db }], configFile: config })
    const link = (target: string) => {
      const grant = grantFor(server.ds, target, null, 600)
      const query = new URLSearchParams(grant.locked)
      query.append('_embed', signEmbed(server.ds.hmacKeys('embed')[0]!, grant))
      return new URL(`${grant.path}?${query}`, server.url).href
    }
    const good = link('/shop/items?category=beta')
    html = `<!doctype html><title>host</title>
<iframe id="good" title="good" src="${good}"></iframe>
<iframe id="moved" title="moved" src="${good.replace('/shop/items', '/shop/items/1')}"></iframe>
<iframe id="plain" title="plain" src="${new URL('/shop/items', server.url).href}"></iframe>`

    const { page } = await newPage()
    await page.goto(hostOrigin)
    const frame = (id: string) => page.frameLocator(`#${id}`)
    await frame('good').locator('table.rows').waitFor()
    assert.deepEqual(await frame('good').locator('tbody td:first-child').allTextContents(), ['1', '2'])
    assert.equal(await frame('good').locator('header, form.filters, .sort-links').count(), 0, 'no navigation beyond the link')
    assert.match((await frame('moved').locator('main').textContent({ timeout: 5000 }))!, /This embed link is for another page/)
    // frame-ancestors 'none': Chromium does not render the page in the frame at all.
    await page.waitForTimeout(300)
    const plain = page.frames().find((f) => f.name() === '' && f.url().includes('/shop/items') && !f.url().includes('_embed'))
    assert.equal(plain ? await plain.locator('table.rows').count().catch(() => 0) : 0, 0)
    await screenshot(page, 'embed')
  })
})
