import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { startServer } from '../../src/server.ts'
import { getJson, makeDb, serve, tempDir } from '../helpers.ts'

describe('hook: startup', () => {
  it('runs once before the server answers, with databases open, and async work is awaited', async () => {
    const db = makeDb(join(tempDir(), 'numbers.db'), 'create table t (n); insert into t values (1), (2), (3);')
    let calls = 0
    let rows = -1
    const plugin = definePlugin({
      name: 'warm-cache',
      hooks: {
        startup: async ({ ds }) => {
          calls++
          await new Promise((resolve) => setTimeout(resolve, 20))
          rows = (ds.databases.get('numbers')!.connection.prepare('select count(*) as c from t').get() as { c: number }).c
        },
        registerRoutes: () => [{ method: 'GET', path: '/-/warm', handler: (c) => c.json({ rows, calls }) }],
      },
    })
    const server = await serve({ databases: [{ path: db }], plugins: [plugin] })
    const { body } = await getJson(server, '/-/warm')
    assert.deepEqual(body, { rows: 3, calls: 1 })
  })

  it('a startup that throws stops the server from starting, with the reason', async () => {
    const plugin = definePlugin({
      name: 'refuses',
      hooks: {
        startup: () => {
          throw new Error('plugins.refuses.api_key is missing')
        },
      },
    })
    await assert.rejects(startServer({ port: 0, plugins: [plugin], notice: () => {} }), /plugins\.refuses\.api_key is missing/)
  })

  it('can read its plugin config through ds.pluginConfig', async () => {
    let seen: unknown
    const plugin = definePlugin({ name: 'configured', hooks: { startup: ({ ds }) => void (seen = ds.pluginConfig('configured')) } })
    const dir = tempDir()
    const config = join(dir, 'datasette.yaml')
    const { writeFileSync } = await import('node:fs')
    writeFileSync(config, 'plugins:\n  configured:\n    colour: blue\n')
    await serve({ configFile: config, plugins: [plugin] })
    // Config mappings have no prototype (a user-chosen name never finds an inherited key): compare values.
    assert.deepEqual({ ...(seen as object) }, { colour: 'blue' })
  })
})
