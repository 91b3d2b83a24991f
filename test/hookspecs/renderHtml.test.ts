import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import type { HtmlView } from '../../src/types.ts'
import { getJson, serve } from '../helpers.ts'
import { allowAll, fixtureDb } from '../tables/fixtures.ts'

describe('hook: renderHtml', () => {
  it('a plugin can draw one page and leave the rest to the built-in html plugin; errors come as the error view', async () => {
    const seen: HtmlView['view'][] = []
    const cards = definePlugin({
      name: 'cards',
      hooks: {
        renderHtml: ({ page, actor }) => {
          seen.push(page.view)
          if (page.view !== 'table') return null
          const body = `<!doctype html><p>${page.rows.length} rows of ${page.columns.length} columns for ${actor === null ? 'anonymous' : 'someone'}; next: ${page.urls.next ?? 'none'}</p>`
          return new Response(body, { headers: { 'Content-Type': 'text/html; charset=utf-8' } })
        },
      },
    })
    const server = await serve({ databases: [{ path: fixtureDb() }], plugins: [allowAll, cards] })
    const table = await server.get('/fixtures/items?_size=2')
    assert.equal(table.status, 200)
    assert.match(await table.text(), /^<!doctype html><p>2 rows of \d+ columns for anonymous; next: \/fixtures\/items\?_size=2&_next=/)
    const database = await server.get('/fixtures')
    assert.match(await database.text(), /<h1>fixtures<\/h1>/, 'the built-in page')
    const missing = await server.get('/fixtures/nope', { headers: { accept: 'text/html' } })
    assert.equal(missing.status, 404)
    assert.match(missing.headers.get('content-type')!, /^text\/html/)
    assert.deepEqual(seen, ['table', 'database', 'error'])
    const json = await getJson(server, '/fixtures/nope.json', { headers: { accept: 'text/html' } })
    assert.equal(json.status, 404, '.json URLs keep JSON errors')
  })

  it('with no plugin drawing pages, a page URL answers as its .json URL', async () => {
    const server = await serve({ databases: [{ path: fixtureDb() }], plugins: [allowAll], blockPlugins: ['dataserve.html'] })
    const page = await getJson(server, '/fixtures/items?_size=1')
    assert.equal(page.status, 200)
    assert.equal(page.body.rows.length, 1)
    const missing = await getJson(server, '/fixtures/nope', { headers: { accept: 'text/html' } })
    assert.equal(missing.status, 404)
  })
})
