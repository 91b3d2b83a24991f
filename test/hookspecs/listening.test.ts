import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { startServer } from '../../src/server.ts'
import { serve } from '../helpers.ts'

describe('hook: listening', () => {
  it('is called once with the real URL after the server listens', async () => {
    const seen: string[] = []
    const plugin = definePlugin({
      name: 'announcer',
      hooks: {
        listening: async ({ ds, url }) => {
          const response = await fetch(new URL('-/health.json', url))
          seen.push(`${url} ${response.status} ${ds.databases.size}`)
        },
      },
    })
    const server = await serve({ plugins: [plugin] })
    assert.deepEqual(seen, [`${server.url} 200 0`])
  })

  it('an error stops the server and closes what it opened', async () => {
    let shutdown = false
    const plugin = definePlugin({
      name: 'fails-late',
      hooks: {
        listening: () => {
          throw new Error('could not register with the service directory')
        },
        shutdown: () => void (shutdown = true),
      },
    })
    await assert.rejects(startServer({ port: 0, plugins: [plugin], notice: () => {} }), /service directory/)
    assert.equal(shutdown, true)
  })
})
