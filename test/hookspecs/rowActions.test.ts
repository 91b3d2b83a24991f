import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { serve } from '../helpers.ts'
import { allowAll, fixtureDb } from '../tables/fixtures.ts'

describe('hook: rowActions', () => {
  it('links in the row page menu, given the row by column', async () => {
    const rows: Record<string, unknown>[] = []
    const mapper = definePlugin({
      name: 'mapper',
      hooks: {
        rowActions: ({ table, row }) => {
          rows.push(row)
          return [{ href: `/-/map?table=${table}&id=${String(row.id)}`, label: 'Show on a map' }]
        },
      },
    })
    const server = await serve({ databases: [{ path: fixtureDb() }], plugins: [allowAll, mapper] })
    const html = await (await server.get('/fixtures/items/1')).text()
    assert.match(html, /<nav class="actions" aria-label="Row actions"><ul class="links"><li><a href="\/-\/map\?table=items&amp;id=1">Show on a map<\/a><\/li><\/ul><\/nav>/)
    assert.equal(String(rows[0]!.id), '1')
    assert.ok((await (await server.get('/fixtures/items')).text()).indexOf('Row actions') === -1, 'not on the table page')
  })
})
