import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { ConfigError } from '../../src/config/errors.ts'
import type { DataserveConfig } from '../../src/config/load.ts'
import { runCli, getJson, serve, tempDir } from '../helpers.ts'

/** A plugin with a `greeting` block: checked and prepared per config, read per request. */
function greetingPlugin(seen: boolean[]) {
  const prepared = new WeakMap<DataserveConfig, string>()
  return definePlugin({
    name: 'greeting',
    hooks: {
      prepareConfig: async ({ ds, reload }) => {
        seen.push(reload)
        const block = (ds.pluginConfig('greeting') ?? {}) as { text?: unknown }
        if (typeof block.text !== 'string') throw new ConfigError(ds.configFile, ['plugins', 'greeting', 'text'], 'expected a string')
        await new Promise((resolve) => setTimeout(resolve, 5))
        prepared.set(ds.config, block.text.toUpperCase())
      },
      registerRoutes: ({ ds }) => [{ method: 'GET', path: '/-/greeting', handler: (c) => c.json({ text: prepared.get(ds.config) ?? null }) }],
    },
  })
}

describe('hook: prepareConfig', () => {
  it('prepares at startup and before a reload; a block it refuses keeps the config in force', async () => {
    const dir = tempDir()
    const config = join(dir, 'datasette.yaml')
    writeFileSync(config, 'plugins:\n  greeting:\n    text: hello\n')
    const seen: boolean[] = []
    const server = await serve({ configFile: config, plugins: [greetingPlugin(seen)], watchConfig: false })
    assert.deepEqual(seen, [false])
    assert.deepEqual((await getJson(server, '/-/greeting')).body, { text: 'HELLO' })

    writeFileSync(config, 'plugins:\n  greeting:\n    text: bonjour\n')
    assert.equal((await server.ds.reloadConfig()).ok, true)
    assert.deepEqual(seen, [false, true])
    assert.deepEqual((await getJson(server, '/-/greeting')).body, { text: 'BONJOUR' })

    writeFileSync(config, 'plugins:\n  greeting:\n    text: 42\n')
    const refused = await server.ds.reloadConfig()
    assert.equal(refused.ok, false)
    assert.match(refused.error!, /plugins\.greeting\.text: expected a string/)
    assert.deepEqual((await getJson(server, '/-/greeting')).body, { text: 'BONJOUR' }, 'the old config stays, prepared')
    assert.equal(server.ds.pluginConfig('greeting') && (server.ds.pluginConfig('greeting') as { text: string }).text, 'bonjour')
  })

  it('a block refused at startup stops the server with the key, exit 1', async () => {
    const dir = tempDir()
    const config = join(dir, 'datasette.yaml')
    writeFileSync(config, 'plugins:\n  greeting:\n    text: [1]\n')
    writeFileSync(
      join(dir, 'greeting.js'),
      `import { ConfigError, definePlugin } from 'dataserve'
export default definePlugin({ name: 'greeting', hooks: { prepareConfig: ({ ds }) => {
  if (typeof ds.pluginConfig('greeting')?.text !== 'string') throw new ConfigError(ds.configFile, ['plugins', 'greeting', 'text'], 'expected a string')
} } })`,
    )
    const run = runCli([':memory:', '-c', config, '--plugins-dir', dir, '-p', '0', '-h', '127.0.0.1'])
    const code = await run.exited
    assert.equal(code, 1)
    assert.match(run.stderr(), /^dataserve: cannot start: .*datasette\.yaml: plugins\.greeting\.text: expected a string\n$/)
  })
})
