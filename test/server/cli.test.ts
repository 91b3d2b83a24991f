import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { makeDb, runCli, tempDir } from '../helpers.ts'

describe('the dataserve command', () => {
  it("serves the README's demo: demo db, example plugins and the demo config", async () => {
    const run = runCli(['demo/demo.db', '--plugins-dir', 'plugins', '-c', 'datasette.config.yaml', '--port', '0'])
    const url = await run.url
    assert.match(run.stdout(), /serving 1 database at http:\/\/127\.0\.0\.1:\d+\//)
    assert.deepEqual(await (await fetch(new URL('-/hello', url))).json(), { hello: 'world', actor: null })
    const plugins = (await (await fetch(new URL('-/plugins.json', url))).json()) as { name: string; source: string }[]
    assert.deepEqual(
      plugins.map((p) => p.name),
      ['dataserve.tables', 'dataserve.html', 'dataserve.introspection', 'dataserve.permissions', 'dataserve.actor-cookie', 'dataserve.api-key', 'dataserve.basic-auth', 'dataserve.embed', 'dataserve.oidc', 'dataserve.tokens', 'hello', 'partner-keys', 'sqlite-functions'],
    )
    run.child.kill('SIGTERM')
    assert.equal(await run.exited, 0)
  })

  it('--port 0 prints the real port; SIGINT shuts down cleanly with exit code 0', async () => {
    const run = runCli([':memory:', '--port', '0'])
    const url = await run.url
    assert.doesNotMatch(url, /:0\//)
    assert.equal((await fetch(new URL('-/health.json', url))).status, 200)
    run.child.kill('SIGINT')
    assert.equal(await run.exited, 0)
    assert.match(run.stdout(), /SIGINT received, shutting down/)
  })

  it('SIGTERM lets a request in flight finish before exiting', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'slow.js'),
      `export default { name: 'slow', hooks: { registerRoutes: () => [{ method: 'GET', path: '/-/slow', handler: async (c) => { await new Promise((r) => setTimeout(r, 400)); return c.json({ finished: true }) } }] } }`,
    )
    const run = runCli(['--plugins-dir', dir, '--port', '0'])
    const url = await run.url
    const pending = fetch(new URL('-/slow', url))
    await new Promise((resolve) => setTimeout(resolve, 100))
    run.child.kill('SIGTERM')
    const response = await pending
    assert.deepEqual(await response.json(), { finished: true })
    assert.equal(await run.exited, 0)
  })

  it('the access log redacts tokens in query strings and never prints Authorization', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'auth.js'), `export default { name: 'auth', hooks: { actorFromRequest: ({ request }) => request.headers.get('authorization') === 'Bearer sekrit-header' ? { id: 'a' } : null } }`)
    const run = runCli(['--plugins-dir', dir, '--port', '0'])
    const url = await run.url
    await fetch(new URL('-/health.json?_auth_token=sekrit-query&x=1&api_key=sekrit-key', url))
    await fetch(new URL('-/health.json', url), { headers: { authorization: 'Bearer sekrit-header' } })
    run.child.kill('SIGTERM')
    await run.exited
    assert.match(run.stdout(), /GET \/-\/health\.json\?_auth_token=\*\*\*&x=1&api_key=\*\*\* 400/)
    assert.doesNotMatch(run.stdout() + run.stderr(), /sekrit/)
  })

  it('DATASERVE_TRACE_HOOKS=1 prints hook calls to stderr', async () => {
    const run = runCli([':memory:', '--port', '0'], { env: { DATASERVE_TRACE_HOOKS: '1' } })
    const url = await run.url
    await fetch(new URL('-/health.json', url))
    run.child.kill('SIGTERM')
    await run.exited
    assert.match(run.stderr(), /\[hook\] registerRoutes\(\{ ds \}\) \[dataserve\.tokens > dataserve\.embed > dataserve\.actor-cookie > dataserve\.permissions > dataserve\.introspection > dataserve\.html > dataserve\.tables\] → /)
    assert.match(run.stderr(), /\[hook\] actorFromRequest\(\{ ds, request \}\) \[dataserve\.tokens > [^\]]*dataserve\.actor-cookie\] → undefined \d+\.\d+ms/)
  })

  it('a config error stops startup with exit code 1, naming the file and the key', async () => {
    const dir = tempDir()
    const config = join(dir, 'datasette.yaml')
    writeFileSync(config, 'plugins:\n  tokens:\n    secret: {"$env": "DATASERVE_TEST_UNSET_VAR"}\n')
    const run = runCli(['-c', config, '--port', '0'])
    assert.equal(await run.exited, 1)
    assert.equal(run.stderr().trim(), `dataserve: cannot start: ${config}: plugins.tokens.secret: environment variable DATASERVE_TEST_UNSET_VAR is not set`)
  })

  it('-s overrides are validated: an unknown setting stops startup', async () => {
    const run = runCli(['--port', '0', '-s', 'settings.default_page_sise', '5'])
    assert.equal(await run.exited, 1)
    assert.match(run.stderr(), /settings\.default_page_sise: unknown setting \(did you mean 'default_page_size'\?\)/)
  })

  it('a missing or non-SQLite database file stops startup, naming it', async () => {
    const missing = runCli(['/nonexistent/x.db', '--port', '0'])
    assert.equal(await missing.exited, 1)
    assert.match(missing.stderr(), /database file not found: \/nonexistent\/x\.db/)
    const dir = tempDir()
    writeFileSync(join(dir, 'text.db'), 'this is not sqlite, just some text that is long enough to have a header'.repeat(10))
    const notSqlite = runCli([join(dir, 'text.db'), '--port', '0'])
    assert.equal(await notSqlite.exited, 1)
    assert.match(notSqlite.stderr(), /cannot open .*text\.db as a SQLite database/)
  })

  it('an unknown option exits 2 with a hint', async () => {
    const run = runCli(['--prot', '8001'])
    assert.equal(await run.exited, 2)
    assert.match(run.stderr(), /unknown option --prot/)
    assert.match(run.stderr(), /dataserve --help/)
  })

  it('a bad port exits 2', async () => {
    const run = runCli(['--port', 'eighty'])
    assert.equal(await run.exited, 2)
    assert.match(run.stderr(), /--port: not a port number: eighty/)
  })

  it('--version and --help', async () => {
    const version = runCli(['--version'])
    assert.equal(await version.exited, 0)
    assert.match(version.stdout(), /^dataserve \d+\.\d+\.\d+\n$/)
    const help = runCli(['--help'])
    assert.equal(await help.exited, 0)
    assert.match(help.stdout(), /--plugins-dir DIR/)
  })

  it('`dataserve plugins` lists the plugins as JSON', async () => {
    const run = runCli(['plugins', '--plugins-dir', 'plugins'])
    assert.equal(await run.exited, 0)
    const plugins = JSON.parse(run.stdout()) as { name: string; source: string; hooks: string[] }[]
    assert.deepEqual(plugins.find((p) => p.name === 'sqlite-functions')?.hooks, ['prepareConnection'])
    assert.equal(plugins[0]!.source, 'builtin')
  })

  it('two databases with the same file stem are both served, the second as name_2', async () => {
    const dir = tempDir()
    const a = makeDb(join(dir, 'data.db'), 'create table a (x)')
    const otherDir = tempDir()
    const b = makeDb(join(otherDir, 'data.db'), 'create table b (x)')
    const run = runCli([a, '-i', b, '--port', '0'])
    await run.url
    assert.match(run.stdout(), /serving 2 databases/)
    run.child.kill('SIGTERM')
    assert.equal(await run.exited, 0)
  })
})

describe('what a newcomer meets at startup', () => {
  it('the banner lists the plugins loaded and says what anonymous visitors may see, whatever set it', async () => {
    const db = makeDb(join(tempDir(), 'd.db'), 'create table t (a)')
    const closed = runCli([db, '--port', '0', '--plugins-dir', 'plugins'])
    await closed.url
    assert.match(closed.stdout(), /plugins: hello \(plugins dir\), partner-keys \(plugins dir\), sqlite-functions \(plugins dir\); built-in: tables, html, introspection, permissions, actor-cookie, api-key, basic-auth, embed, oidc, tokens/)
    assert.match(closed.stdout(), /default deny: .*; anonymous visitors may see nothing/)
    closed.child.kill('SIGTERM')
    const opened = runCli([db, '--port', '0', '-s', 'allow', 'true'])
    await opened.url
    assert.match(opened.stdout(), /default deny: .*; anonymous visitors may see the instance and 1 of 1 database\n/)
    opened.child.kill('SIGTERM')
    const allowAll = runCli([db, '--port', '0', '--default-allow'])
    await allowAll.url
    assert.match(allowAll.stdout(), /DEFAULT ALLOW \(--default-allow\): .*unless a rule denies it \(no config file is in use\)/)
    assert.doesNotMatch(allowAll.stdout(), /datasette\.config\.yaml/)
    allowAll.child.kill('SIGTERM')
    await Promise.all([closed.exited, opened.exited, allowAll.exited])
  })

  it('a port already in use is one line, not a stack trace', async () => {
    const first = runCli([':memory:', '--port', '0'])
    const port = new URL(await first.url).port
    const second = runCli([':memory:', '--port', port])
    assert.equal(await second.exited, 1)
    assert.equal(second.stderr().trim(), `dataserve: cannot start: 127.0.0.1:${port} is already in use (another server is there: pick another --port, or --port 0 for any free one)`)
    first.child.kill('SIGTERM')
    await first.exited
  })

  it('tokens commands refuse an internal database that is not there, unless --create', async () => {
    const { existsSync } = await import('node:fs')
    const path = join(tempDir(), 'interal.db')
    for (const args of [['tokens', 'create', 'robot', '--internal', path], ['tokens', 'list', '--internal', path], ['tokens', 'revoke', '0123456789abcdef', '--internal', path]]) {
      const run = runCli(args)
      assert.equal(await run.exited, 1, args.join(' '))
      assert.match(run.stderr(), /no internal database at .*interal\.db: give the path the server uses \(--internal\), or add --create/)
      assert.equal(existsSync(path), false, 'nothing was created')
    }
    const created = runCli(['tokens', 'create', 'robot', '--internal', path, '--create'])
    assert.equal(await created.exited, 0, created.stderr())
    assert.match(created.stdout(), /^dsmt_/)
  })
})
