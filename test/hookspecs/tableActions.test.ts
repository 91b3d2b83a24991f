import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { serve } from '../helpers.ts'
import { allowAll, fixtureDb } from '../tables/fixtures.ts'

describe('hook: tableActions', () => {
  it('links in the table page menu, escaped; a javascript: link is dropped', async () => {
    const exporter = definePlugin({
      name: 'exporter',
      hooks: {
        tableActions: ({ database, table, actor }) => [
          { href: `/-/export/${database}/${table}`, label: `Export <${table}>`, description: actor ? 'signed in' : 'for anyone' },
          { href: 'javascript:alert(1)', label: 'bad' },
        ],
      },
    })
    const server = await serve({ databases: [{ path: fixtureDb() }], plugins: [allowAll, exporter] })
    const html = await (await server.get('/fixtures/items')).text()
    assert.match(html, /<nav class="actions" aria-label="Table actions"><ul class="links"><li><a href="\/-\/export\/fixtures\/items">Export &lt;items&gt;<\/a><span class="meta"> for anyone<\/span><\/li><\/ul><\/nav>/)
    assert.doesNotMatch(html, /javascript:/)
  })
})
