import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createDataserve } from '../../src/server.ts'
import { getJson, serve, tempDir } from '../helpers.ts'

function pluginDir(files: Record<string, string>): string {
  const dir = tempDir('dataserve-plugins-')
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const load = (pluginsDir: string) => createDataserve({ pluginsDir, notice: () => {} })

describe('plugins from --plugins-dir', () => {
  it('loads .ts, .mts, .js and .mjs files (not .d.ts or others), importing dataserve from outside the repo', async () => {
    const dir = pluginDir({
      'a.ts': `import { definePlugin } from 'dataserve'
export default definePlugin({ name: 'ts-plugin', version: '1.0.0', hooks: { registerRoutes: () => [{ method: 'GET', path: '/-/ts', handler: (c) => c.json({ from: 'ts' }) }] } })`,
      'b.mts': `import { definePlugin } from 'dataserve'\nexport default definePlugin({ name: 'mts-plugin', hooks: {} })`,
      'c.js': `export default { name: 'js-plugin', hooks: { startup: () => {} } }`,
      'd.mjs': `export const plugin = { name: 'mjs-plugin', hooks: {} }`,
      'types.d.ts': `export {}`,
      'notes.txt': `not a plugin`,
    })
    const server = await serve({ pluginsDir: dir })
    const plugins = server.ds.plugins.listPlugins().filter((p) => p.source.startsWith('file:'))
    assert.deepEqual(
      plugins.map((p) => [p.name, p.source.replace(dir, 'DIR'), p.version]),
      [
        ['ts-plugin', 'file:DIR/a.ts', '1.0.0'],
        ['mts-plugin', 'file:DIR/b.mts', null],
        ['js-plugin', 'file:DIR/c.js', null],
        ['mjs-plugin', 'file:DIR/d.mjs', null],
      ],
    )
    assert.deepEqual((await getJson(server, '/-/ts')).body, { from: 'ts' })
  })

  it('a plugin file that fails to import stops startup, naming the file and the reason', async () => {
    const dir = pluginDir({ 'broken.js': `throw new Error('cannot find API_URL')` })
    await assert.rejects(load(dir), (error: Error) => {
      assert.match(error.message, new RegExp(`plugin file ${join(dir, 'broken.js')} failed to import: cannot find API_URL`))
      return true
    })
  })

  it('a TypeScript syntax error stops startup naming the file', async () => {
    const dir = pluginDir({ 'bad.ts': `export default { name: 'x', hooks: { ` })
    await assert.rejects(load(dir), /plugin file .*bad\.ts failed to import/)
  })

  it('a plugin with a misspelt hook stops startup naming the file, the plugin, the hook and the fix', async () => {
    const dir = pluginDir({ 'typo.js': `export default { name: 'typo', hooks: { registerRoute: () => [] } }` })
    await assert.rejects(load(dir), /plugin file .*typo\.js: plugin 'typo' is invalid:\n {2}- unknown hook 'registerRoute' \(did you mean 'registerRoutes'\?\)/)
  })

  it('a plain JS plugin taking an argument the hook does not have stops startup', async () => {
    const dir = pluginDir({ 'args.js': `export default { name: 'args', hooks: { actorFromRequest: ({ req }) => null } }` })
    await assert.rejects(load(dir), /'actorFromRequest' has no argument 'req'.*receives ds, request/)
  })

  it('a file that exports no plugin stops startup with a hint', async () => {
    const dir = pluginDir({ 'empty.js': `export const helper = 1` })
    await assert.rejects(load(dir), /plugin file .*empty\.js does not export a plugin: write `export default definePlugin/)
  })

  it('two files with the same plugin name stop startup', async () => {
    const dir = pluginDir({ 'one.js': `export default { name: 'same', hooks: {} }`, 'two.js': `export default { name: 'same', hooks: {} }` })
    await assert.rejects(load(dir), /two\.js: plugin 'same' is invalid:\n {2}- a plugin named 'same' is already registered \(from file:.*one\.js\)/)
  })

  it('a plugins dir that does not exist stops startup', async () => {
    await assert.rejects(load('/nonexistent/plugins'), /--plugins-dir \/nonexistent\/plugins: not a directory/)
  })

  it('user plugins run before built-ins, so they can override them', async () => {
    const dir = pluginDir({
      'override.js': `export default { name: 'override', hooks: { registerRoutes: () => [{ method: 'GET', path: '/-/health.json', handler: (c) => c.json({ ok: 'overridden' }) }] } }`,
    })
    const server = await serve({ pluginsDir: dir })
    assert.deepEqual((await getJson(server, '/-/health.json')).body, { ok: 'overridden' })
  })
})

describe('blocking plugins', () => {
  it('a built-in can be blocked and replaced by a plugin of your own', async () => {
    const dir = pluginDir({
      'my-health.js': `export default { name: 'my-health', hooks: { registerRoutes: () => [{ method: 'GET', path: '/-/health.json', handler: (c) => c.json({ ok: 'mine' }) }] } }`,
    })
    const server = await serve({ pluginsDir: dir, blockPlugins: ['dataserve.introspection'] })
    assert.equal(server.ds.plugins.isRegistered('dataserve.introspection'), false)
    assert.deepEqual((await getJson(server, '/-/health.json')).body, { ok: 'mine' })
  })

  it('DATASERVE_BLOCK_PLUGINS blocks by name', async () => {
    const ds = await createDataserve({ env: { DATASERVE_BLOCK_PLUGINS: 'dataserve.tokens, dataserve.actor-cookie' }, notice: () => {} })
    await ds.close()
    assert.deepEqual(ds.plugins.listPlugins().map((p) => p.name).filter((n) => n.includes('tokens') || n.includes('cookie')), [])
  })
})
