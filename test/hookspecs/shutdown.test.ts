import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { startServer } from '../../src/server.ts'

describe('hook: shutdown', () => {
  it('runs once when the server closes, after it stopped listening, and before the databases close', async () => {
    const events: string[] = []
    const plugin = definePlugin({
      name: 'cleanup',
      hooks: {
        shutdown: async ({ ds }) => {
          await new Promise((resolve) => setTimeout(resolve, 10))
          events.push(`shutdown, listening=${running.server.listening}, db open=${ds.databases.get('_memory')!.connection.open}`)
        },
      },
    })
    const running = await startServer({ port: 0, databases: [{ path: ':memory:' }], plugins: [plugin], notice: () => {} })
    await Promise.all([running.close(), running.close()])
    assert.deepEqual(events, ['shutdown, listening=false, db open=true'])
    assert.equal(running.ds.databases.get('_memory')!.connection.open, false)
  })

  it('also runs when startup fails after plugins were set up', async () => {
    const events: string[] = []
    const plugin = definePlugin({
      name: 'half-started',
      hooks: {
        startup: () => {
          throw new Error('startup failed')
        },
        shutdown: () => void events.push('shutdown'),
      },
    })
    await assert.rejects(startServer({ port: 0, plugins: [plugin], notice: () => {} }), /startup failed/)
    assert.deepEqual(events, ['shutdown'])
  })
})
