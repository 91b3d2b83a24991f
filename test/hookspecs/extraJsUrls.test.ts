import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { serve } from '../helpers.ts'
import { allowAll, fixtureDb } from '../tables/fixtures.ts'

describe('hook: extraJsUrls', () => {
  it('scripts load deferred; the policy lets exactly their sources run; pages without any allow no script', async () => {
    const charts = definePlugin({ name: 'charts', hooks: { extraJsUrls: ({ view }) => (view === 'table' ? ['/-/static/charts.js', 'https://cdn.example.com/c.js', 'data:text/javascript,alert(1)'] : []) } })
    const server = await serve({ databases: [{ path: fixtureDb() }], plugins: [allowAll, charts] })
    const table = await server.get('/fixtures/items')
    const html = await table.text()
    assert.deepEqual([...html.matchAll(/<script src="([^"]+)" defer=""><\/script>/g)].map((m) => m[1]), ['/-/static/charts.js', 'https://cdn.example.com/c.js'])
    assert.match(table.headers.get('content-security-policy')!, /script-src 'self' https:\/\/cdn\.example\.com;/)
    const database = await server.get('/fixtures')
    assert.doesNotMatch(database.headers.get('content-security-policy')!, /script-src/)
    assert.doesNotMatch(await database.text(), /<script/)
  })
})
