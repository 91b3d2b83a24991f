import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { serve } from '../helpers.ts'
import { allowAll, fixtureDb } from '../tables/fixtures.ts'

describe('hook: renderCell', () => {
  it('a plugin draws chosen cells (markup or escaped text) on table, row and query pages; the rest stay default', async () => {
    const calls: { table: string | null; column: string }[] = []
    const badges = definePlugin({
      name: 'badges',
      hooks: {
        renderCell: ({ table, column, value }) => {
          calls.push({ table, column })
          if (column === 'id') return { html: `<strong class="badge">#${Number(value)}</strong>` }
          if (value === 'x') return '<not markup>'
          return null
        },
      },
    })
    const server = await serve({ databases: [{ path: fixtureDb() }], plugins: [allowAll, badges] })
    const table = await (await server.get('/fixtures/items?_size=2')).text()
    assert.match(table, /<td><strong class="badge">#1<\/strong><\/td>/)
    const row = await (await server.get('/fixtures/items/1')).text()
    assert.match(row, /<dd><strong class="badge">#1<\/strong><\/dd>/)
    const query = await (await server.get("/fixtures/-/query?sql=select+1+as+id,+'x'+as+t")).text()
    assert.match(query, /<td><strong class="badge">#1<\/strong><\/td><td>&lt;not markup&gt;<\/td>/)
    assert.ok(calls.some((call) => call.table === null), 'query pages pass table: null')
    assert.ok(calls.some((call) => call.table === 'items'))
  })
})
