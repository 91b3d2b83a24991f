import assert from 'node:assert/strict'
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { eventually, getJson, runCli, type TestServer } from '../helpers.ts'
import { authFiles, authServer, basic } from './fixtures.ts'

const OPS_KEY = 'ops-key-0123456789abcdef'
const KEY_A = 'key-a-0123456789abcdef'
const KEY_B = 'key-b-0123456789abcdef'
/** An ops key that may reload, and read keys; `keys` are the readers' keys. */
const config = (keys: string[], extra = '') => `settings:
  failed_credentials_limit: false
permissions:
  reload-config:
    id: ops
plugins:
  api-key:
    keys:
      - key: ${OPS_KEY}
        actor: {id: ops}
${keys.map((key) => `      - ${key}\n`).join('')}${extra}`

const withKey = (key: string) => ({ headers: { 'x-api-key': key } })
const post = (server: TestServer, headers: Record<string, string> = { 'x-api-key': OPS_KEY }) => getJson(server, '/-/reload', { method: 'POST', headers })
const statusOf = (server: TestServer, key: string) => server.get('/sales/orders.json', withKey(key)).then((response) => response.status)


describe('live reload: POST /-/reload', () => {
  it('needs reload-config: anonymous gets the challenge, a reader 403, a page on another site 403', async () => {
    const server = await authServer(config([KEY_A]), { watchConfig: false })
    const anonymous = await post(server, {})
    assert.equal(anonymous.status, 401)
    assert.equal((await post(server, { 'x-api-key': KEY_A })).status, 403)
    assert.equal((await post(server, { 'x-api-key': OPS_KEY, 'sec-fetch-site': 'cross-site' })).status, 403)
    assert.equal((await post(server, { 'x-api-key': OPS_KEY, 'sec-fetch-site': 'same-origin' })).status, 200)
    assert.equal((await server.get('/-/config-status.json')).status, 401, 'the status page needs view-instance')
  })

  it('a good config comes into force whole: a new key works and a removed one is refused on the very next request', async () => {
    const server = await authServer(config([KEY_A]), { watchConfig: false })
    assert.equal(await statusOf(server, KEY_A), 200)
    assert.equal(await statusOf(server, KEY_B), 401)
    writeFileSync(server.config, config([KEY_B]))
    const reloaded = await post(server)
    assert.equal(reloaded.status, 200, JSON.stringify(reloaded.body))
    assert.equal(reloaded.body.reload.ok, true)
    assert.equal(reloaded.body.reload.generation, 2)
    assert.equal(reloaded.body.reload.trigger, 'api')
    assert.equal(await statusOf(server, KEY_A), 401, 'removed: refused at once')
    assert.equal(await statusOf(server, KEY_B), 200)
    const status = await getJson(server, '/-/config-status.json', withKey(KEY_B))
    assert.equal(status.body.generation, 2)
    assert.equal(status.body.file, server.config)
    assert.equal(status.body.last_reload.ok, true)
    assert.ok(Date.parse(status.body.loaded_at) > Date.now() - 60_000)
  })

  it('a removed Basic user is refused at once, even one whose hashed password was just checked and remembered', async () => {
    const { hashPassword } = await import('../../src/builtins/basic-auth/password-hash.ts')
    const hash = await hashPassword('long-password-1', { ln: 12, r: 8, p: 1 })
    const users = (names: string[]) => `  basic-auth:\n    users:\n${names.map((name) => `      ${name}: "${hash}"\n`).join('')}`
    const server = await authServer(config([KEY_A], users(['ann', 'bob'])), { watchConfig: false })
    const as = (name: string) => server.get('/sales/orders.json', { headers: { authorization: basic(name, 'long-password-1') } }).then((response) => response.status)
    assert.equal(await as('bob'), 200)
    assert.equal(await as('bob'), 200, 'remembered')
    writeFileSync(server.config, config([KEY_A], users(['ann'])))
    assert.equal((await post(server)).status, 200)
    assert.equal(await as('bob'), 401)
    assert.equal(await as('ann'), 200)
  })

  const BROKEN: [string, string, RegExp][] = [
    ['bad YAML', 'plugins: [unclosed\n', /datasette\.yaml/],
    ['an unknown setting', config([KEY_B]).replace('failed_credentials_limit: false', 'failed_credentials_limt: false'), /settings\.failed_credentials_limt: unknown setting/],
    ['an unset variable', config(['${NOT_SET_ANYWHERE}']), /plugins\.api-key\.keys\.1: .*NOT_SET_ANYWHERE/],
    ['a plugin rejecting its block', config([KEY_B], '  basic-auth:\n    users:\n      viewer: ""\n'), /plugins\.basic-auth\.users\.viewer: the password is empty/],
    ['a permission rule for no served database', config([KEY_B], 'databases:\n  nosuch:\n    allow: false\n'), /databases\.nosuch: no database named nosuch/],
  ]
  for (const [label, yaml, pattern] of BROKEN) {
    it(`a broken config (${label}) is refused with 400 and the error; the old config stays in force`, async () => {
      const notices: string[] = []
      const server = await authServer(config([KEY_A]), { watchConfig: false, notice: (line) => notices.push(line) })
      writeFileSync(server.config, yaml)
      const refused = await post(server)
      assert.equal(refused.status, 400)
      assert.equal(refused.body.ok, false)
      assert.match(refused.body.error, /The new config was refused; the config in force stays/)
      assert.match(refused.body.error, pattern)
      assert.equal(refused.body.reload.ok, false)
      assert.equal(await statusOf(server, KEY_A), 200, 'the old key still works')
      assert.equal(await statusOf(server, KEY_B), 401, 'nothing of the new config leaked in')
      const status = await getJson(server, '/-/config-status.json', withKey(KEY_A))
      assert.equal(status.body.generation, 1)
      assert.equal(status.body.last_reload.ok, false)
      assert.match(status.body.last_reload.error, pattern)
      assert.ok(notices.some((line) => /config reload \(api\) refused; the config in force stays/.test(line) && pattern.test(line)), notices.join('\n'))
      assert.ok(!notices.join('\n').includes(KEY_A), 'no key in the log')
    })
  }

  it('removing or disabling an auth block is logged loudly', async () => {
    const notices: string[] = []
    const server = await authServer(config([KEY_A], '  basic-auth:\n    users:\n      viewer: readonly\n'), { watchConfig: false, notice: (line) => notices.push(line) })
    const stderr: string[] = []
    const write = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((chunk: string) => (stderr.push(String(chunk)), true)) as typeof process.stderr.write
    try {
      writeFileSync(server.config, config([KEY_A]))
      assert.equal((await post(server)).status, 200)
      writeFileSync(server.config, config([KEY_A]).replace('  api-key:\n', '  api-key:\n    enabled: false\n'))
      // The ops key went with the block: the reload is asked for in-process.
      assert.equal((await server.ds.reloadConfig()).ok, true)
    } finally {
      process.stderr.write = write
    }
    assert.ok(stderr.some((line) => /WARNING: plugins\.basic-auth is gone or disabled after the reload/.test(line)), stderr.join(''))
    assert.ok(stderr.some((line) => /WARNING: plugins\.api-key is gone or disabled after the reload/.test(line)), stderr.join(''))
    assert.equal((await server.get('/sales/orders.json', { headers: { authorization: basic('viewer', 'readonly') } })).status, 401, 'Basic is no longer accepted')
  })
})

describe('live reload: what a request sees', () => {
  it('a request in flight finishes under the config it started with; the next one sees the new', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let entered!: () => void
    const inside = new Promise<void>((resolve) => (entered = resolve))
    const slow = definePlugin({
      name: 'slow',
      hooks: {
        registerRoutes: ({ ds }) => [
          {
            method: 'GET',
            path: '/-/slow',
            handler: async (c) => {
              const before = ds.settings.default_page_size
              if (c.req.query('wait')) {
                entered()
                await gate
              }
              return c.json({ before, after: ds.settings.default_page_size, key: (ds.pluginConfig('api-key') as { keys: unknown[] }).keys.length })
            },
          },
        ],
        permissionAllowed: () => true,
      },
    })
    const yaml = (size: number, keys: string[]) => config(keys).replace('settings:\n', `settings:\n  default_page_size: ${size}\n`)
    const server = await authServer(yaml(10, [KEY_A]), { watchConfig: false, plugins: [slow] })
    const inFlight = getJson(server, '/-/slow?wait=1')
    await inside
    writeFileSync(server.config, yaml(20, [KEY_A, KEY_B]))
    assert.equal((await server.ds.reloadConfig()).ok, true)
    assert.deepEqual((await getJson(server, '/-/slow')).body, { before: 20, after: 20, key: 3 })
    release()
    assert.deepEqual((await inFlight).body, { before: 10, after: 10, key: 2 }, 'old config throughout, never a mix')
  })

  it('under load with reloads in between, every response is wholly one config or the other', async () => {
    const probe = definePlugin({
      name: 'probe',
      hooks: {
        registerRoutes: ({ ds }) => [
          {
            method: 'GET',
            path: '/-/probe',
            handler: async (c) => {
              const size = ds.settings.default_page_size
              await new Promise((resolve) => setImmediate(resolve))
              return c.json({ size, marker: (ds.pluginConfig('probe') as { marker: number }).marker })
            },
          },
        ],
        permissionAllowed: () => true,
      },
    })
    const yaml = (n: number) => `settings:\n  default_page_size: ${n}\nplugins:\n  probe:\n    marker: ${n}\n`
    const files = authFiles(yaml(1))
    const { serve } = await import('../helpers.ts')
    const server = await serve({ databases: [{ path: files.db }], configFile: files.config, watchConfig: false, plugins: [probe] })
    const seen = new Set<number>()
    let mixed = 0
    const load = (async () => {
      for (let round = 0; round < 40; round++) {
        const answers = await Promise.all(Array.from({ length: 10 }, () => getJson(server, '/-/probe')))
        for (const { body } of answers) {
          seen.add(body.size)
          if (body.size !== body.marker) mixed++
        }
      }
    })()
    for (let n = 2; n <= 12; n++) {
      writeFileSync(files.config, yaml(n))
      assert.equal((await server.ds.reloadConfig()).ok, true)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await load
    assert.equal(mixed, 0)
    assert.ok(seen.size > 1, `saw ${[...seen].join(', ')}`)
  })
})

describe('live reload: the file, and SIGHUP', () => {
  it('a change of the file is picked up (in place, or replaced by a rename as editors save)', async () => {
    const server = await authServer(config([KEY_A]))
    writeFileSync(server.config, config([KEY_B]))
    await eventually('the new key works after an in-place write', async () => (await statusOf(server, KEY_B)) === 200)
    assert.equal(await statusOf(server, KEY_A), 401)
    const next = join(server.dir, 'datasette.yaml.tmp')
    writeFileSync(next, config([KEY_A]))
    renameSync(next, server.config)
    await eventually('the key works again after a rename', async () => (await statusOf(server, KEY_A)) === 200)
    const status = await getJson(server, '/-/config-status.json', withKey(KEY_A))
    assert.equal(status.body.last_reload.trigger, 'file')
    assert.equal(status.body.generation, 3)
    // A broken save keeps the last good config, and the next good save is picked up.
    writeFileSync(server.config, 'plugins: [\n')
    await eventually('the broken save is seen and refused', async () => (await getJson(server, '/-/config-status.json', withKey(KEY_A))).body.last_reload.ok === false)
    assert.equal(await statusOf(server, KEY_A), 200)
  })

  it('SIGHUP reloads the config of the command-line server (watching off); a broken one is refused and it keeps serving', async () => {
    const files = authFiles(config([KEY_A]))
    const run = runCli([files.db, '-c', files.config, '--port', '0', '--no-watch'])
    const url = await run.url
    const status = (key: string) => fetch(new URL('sales/orders.json', url), withKey(key)).then((response) => response.status)
    writeFileSync(files.config, config([KEY_B]))
    await new Promise((resolve) => setTimeout(resolve, 600))
    assert.equal(await status(KEY_B), 401, '--no-watch: the file alone changes nothing')
    run.child.kill('SIGHUP')
    await eventually('SIGHUP brings the new key', async () => (await status(KEY_B)) === 200)
    assert.equal(await status(KEY_A), 401)
    assert.match(run.stderr(), /config reloaded \(signal\)/)
    writeFileSync(files.config, config([KEY_A], '  basic-auth:\n    users:\n      viewer:\n'))
    run.child.kill('SIGHUP')
    await eventually('the refusal is logged', async () => /config reload \(signal\) refused; the config in force stays: .*plugins\.basic-auth\.users\.viewer: has no password/.test(run.stderr()))
    assert.equal(await status(KEY_B), 200)
    assert.equal(run.child.exitCode, null, 'still running')
    run.child.kill('SIGTERM')
    assert.equal(await run.exited, 0)
  })
})
