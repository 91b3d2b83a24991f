import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createDataserve } from '../../src/server.ts'
import { getJson, serve, tempDir } from '../helpers.ts'

/** Packs a plugin package with `npm pack` and installs the tarball into a fresh project. */
function installPluginPackages(): string {
  const root = tempDir('dataserve-npm-')
  const project = join(root, 'project')
  mkdirSync(project)
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-site', version: '1.0.0', private: true }))
  const tarballs: string[] = []
  const packages = [
    {
      name: 'dataserve-plugin-greeting',
      manifest: { version: '2.3.4', type: 'module', dataserve: { plugin: './plugin.js' } },
      file: 'plugin.js',
      code: `import { definePlugin } from 'dataserve'
export default definePlugin({ name: 'greeting', hooks: { registerRoutes: () => [{ method: 'GET', path: '/-/greeting', handler: (c) => c.json({ greeting: 'from npm' }) }] } })`,
    },
    {
      name: '@acme/dataserve-keyword',
      manifest: { version: '0.1.0', type: 'module', main: 'index.js', keywords: ['dataserve-plugin'] },
      file: 'index.js',
      code: `export default { name: 'acme-keyword', hooks: { startup: () => {} } }`,
    },
    {
      name: 'not-a-plugin',
      manifest: { version: '1.0.0', main: 'index.js' },
      file: 'index.js',
      code: `throw new Error('must never be imported')`,
    },
  ]
  for (const pkg of packages) {
    const dir = join(root, pkg.name.replace('/', '__'))
    mkdirSync(dir)
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: pkg.name, ...pkg.manifest }))
    writeFileSync(join(dir, pkg.file), pkg.code)
    const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', root], { cwd: dir, encoding: 'utf8' })
    tarballs.push(join(root, out.trim().split('\n').pop()!))
  }
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent', ...tarballs], { cwd: project, stdio: 'pipe' })
  return project
}

describe('plugins from npm packages', () => {
  // Built at suite level: temp dirs made inside a before() hook would be removed when it ends.
  const project = installPluginPackages()

  it('installed packages that declare themselves plugins are loaded, with their package version', async () => {
    const server = await serve({ npmRoot: project, env: {} })
    const npm = server.ds.plugins.listPlugins().filter((p) => p.source.startsWith('npm:')).map(({ module, ...rest }) => {
      assert.match(module ?? '', /^file:\/\/.*\/node_modules\//)
      return rest
    })
    assert.deepEqual(npm, [
      { name: 'acme-keyword', version: '0.1.0', source: 'npm:@acme/dataserve-keyword', hooks: ['startup'] },
      { name: 'greeting', version: '2.3.4', source: 'npm:dataserve-plugin-greeting', hooks: ['registerRoutes'] },
    ])
    assert.deepEqual((await getJson(server, '/-/greeting')).body, { greeting: 'from npm' })
  })

  it('DATASERVE_LOAD_PLUGINS picks which packages load; empty loads none', async () => {
    const names = async (value: string) => {
      const ds = await createDataserve({ npmRoot: project, env: { DATASERVE_LOAD_PLUGINS: value }, notice: () => {} })
      await ds.close()
      return ds.plugins.listPlugins().filter((p) => p.source.startsWith('npm:')).map((p) => p.name)
    }
    assert.deepEqual(await names('dataserve-plugin-greeting'), ['greeting'])
    assert.deepEqual(await names('@acme/dataserve-keyword, dataserve-plugin-greeting'), ['acme-keyword', 'greeting'])
    assert.deepEqual(await names(''), [])
  })

  it('both variables take package or plugin names', async () => {
    const names = async (env: NodeJS.ProcessEnv) => {
      const ds = await createDataserve({ npmRoot: project, env, notice: () => {} })
      await ds.close()
      return ds.plugins.listPlugins().filter((p) => p.source.startsWith('npm:')).map((p) => p.name)
    }
    assert.deepEqual(await names({ DATASERVE_LOAD_PLUGINS: 'greeting' }), ['greeting'], 'load by plugin name')
    assert.deepEqual(await names({ DATASERVE_BLOCK_PLUGINS: 'dataserve-plugin-greeting' }), ['acme-keyword'], 'block by package name')
    assert.deepEqual(await names({ DATASERVE_BLOCK_PLUGINS: 'greeting' }), ['acme-keyword'], 'block by plugin name')
  })
})
