import Database from 'better-sqlite3'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { BIN, makeDb, runCli, tempDir } from '../helpers.ts'

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

/** A served database and an internal database holding one managed token, made by the CLI. */
async function setup() {
  const dir = tempDir('dataserve-internal-')
  const db = makeDb(join(dir, 'sales.db'), 'create table orders (id integer primary key); insert into orders values (1);')
  const internal = join(dir, 'internal.db')
  const token = await cliToken(internal, 'robot')
  return { dir, db, internal, token }
}

async function cliToken(internal: string, actor: string): Promise<string> {
  const created = runCli(['tokens', 'create', actor, '--internal', internal, '--create'])
  assert.equal(await created.exited, 0, created.stderr())
  return created.stdout().trim()
}

async function start(db: string, internal: string) {
  const run = runCli([db, '--internal', internal, '--default-allow', '--port', '0', '--no-access-log'])
  return { run, url: await run.url }
}

async function timed(url: URL | string, init?: RequestInit) {
  const started = performance.now()
  const response = await fetch(url, init)
  const body = await response.text()
  return { status: response.status, headers: response.headers, body, ms: performance.now() - started }
}

describe('the internal database: bad paths stop startup', () => {
  it('a missing directory, a directory, a file that is not SQLite: exit 1 naming the path and the reason', async () => {
    const dir = tempDir()
    const db = makeDb(join(dir, 'd.db'), 'create table t (a)')
    const text = join(dir, 'notes.txt')
    writeFileSync(text, 'not a database, just some text that is long enough to have a header\n'.repeat(10))
    const cases: [string, RegExp][] = [
      [join(dir, 'no-such-dir', 'internal.db'), /--internal .*no-such-dir\/internal\.db: directory .*no-such-dir does not exist/],
      [dir, /--internal .*: not a file/],
      [text, /--internal .*notes\.txt: not a SQLite database/],
    ]
    for (const [path, pattern] of cases) {
      const run = runCli([db, '--internal', path, '--port', '0'])
      assert.equal(await run.exited, 1, path)
      assert.match(run.stderr(), pattern)
      assert.equal(run.stderr().trim().split('\n').length, 1, run.stderr())
      assert.doesNotMatch(run.stderr(), /\n\s+at /, 'no stack trace')
    }
  })

  it('a read-only internal database file: exit 1, "cannot be written"', async (t) => {
    const dir = tempDir()
    chmodSync(dir, 0o755)
    const db = makeDb(join(dir, 'd.db'), 'create table t (a)')
    const internal = makeDb(join(dir, 'internal.db'), 'create table x (a)')
    chmodSync(db, 0o644)
    chmodSync(internal, 0o444)
    // root writes to read-only files anyway: run the server as nobody then.
    const asRoot = process.getuid?.() === 0
    if (asRoot && !existsSync('/usr/bin/setpriv')) return t.skip('needs setpriv to drop root')
    const command = asRoot ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath]
    const child = spawn(command[0]!, [...command.slice(1), BIN, db, '--internal', internal, '--port', '0'], { env: { ...process.env, DATASERVE_SECRET: 's' } })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const code = await new Promise((resolve) => child.on('exit', resolve))
    assert.equal(code, 1, stderr)
    assert.match(stderr, /--internal .*internal\.db: cannot be written/)
  })
})

describe('the internal database: locked, deleted or replaced while serving', () => {
  it('locked by another process: the server keeps answering; managed tokens get 503 with Retry-After, then work when the lock is gone', { timeout: 60_000 }, async () => {
    const { db, internal, token } = await setup()
    const { run, url } = await start(db, internal)
    assert.equal((await timed(new URL('sales/orders.json', url), bearer(token))).status, 200)
    const other = new Database(internal, { timeout: 5000 })
    other.exec('begin exclusive')
    try {
      const health = await timed(new URL('-/health.json', url))
      assert.equal(health.status, 200)
      assert.ok(health.ms < 1000, `health answered in ${health.ms.toFixed(0)} ms`)
      const managed = timed(new URL('sales/orders.json', url), bearer(token))
      const unknown = timed(new URL('sales/orders.json', url), bearer(`dsmt_${'0'.repeat(16)}_${'A'.repeat(43)}`))
      // While those wait for the lock, the rest of the server does not.
      const page = await timed(new URL('sales/orders.json', url))
      assert.equal(page.status, 200)
      assert.ok(page.ms < 200, `a page took ${page.ms.toFixed(0)} ms while token checks waited`)
      for (const result of [await managed, await unknown]) {
        assert.equal(result.status, 503, result.body)
        assert.equal(result.headers.get('retry-after'), '1')
        assert.match(JSON.parse(result.body).error, /locked/)
      }
      const malformed = await timed(new URL('sales/orders.json', url), bearer('dsmt_nope'))
      assert.equal(malformed.status, 401, 'a malformed token needs no database to refuse')
    } finally {
      other.exec('rollback')
      other.close()
    }
    assert.equal((await timed(new URL('sales/orders.json', url), bearer(token))).status, 200)
    run.child.kill('SIGTERM')
    assert.equal(await run.exited, 0)
    assert.doesNotMatch(run.stderr(), /Error|at \w+ \(/)
  })

  it('write-locked (a writer holding its transaction open): tokens keep working, bookkeeping waits and lands afterwards', { timeout: 60_000 }, async () => {
    const { db, internal, token } = await setup()
    const { run, url } = await start(db, internal)
    const other = new Database(internal, { timeout: 5000 })
    other.exec("begin immediate; insert into dataserve_internal values ('held', 'by a test')")
    try {
      const used = await timed(new URL('sales/orders.json', url), bearer(token))
      assert.equal(used.status, 200, used.body)
      assert.ok(used.ms < 500, `took ${used.ms.toFixed(0)} ms`)
      const bad = await timed(new URL('sales/orders.json', url), bearer(token.slice(0, -3) + 'AAA'))
      assert.equal(bad.status, 401, 'a failed attempt is still a 401, not a 500')
      assert.ok(bad.ms < 500, `took ${bad.ms.toFixed(0)} ms`)
      const health = await timed(new URL('-/health.json', url))
      assert.ok(health.ms < 500, `health answered in ${health.ms.toFixed(0)} ms`)
    } finally {
      other.exec('rollback')
      other.close()
    }
    // The writer thread retries: the "used" and "rejected" events arrive once the lock is gone.
    const check = new Database(internal, { readonly: true })
    let events: string[] = []
    for (let i = 0; i < 100 && !(events.includes('used') && events.includes('rejected')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      events = (check.prepare('select event from managed_token_events').pluck().all() as string[])
    }
    check.close()
    assert.ok(events.includes('used') && events.includes('rejected'), events.join(' '))
    run.child.kill('SIGTERM')
    await run.exited
  })

  it('no shared-memory file to lose: the internal database uses a rollback journal, not WAL', async () => {
    const { db, internal, token } = await setup()
    const { run, url } = await start(db, internal)
    assert.equal((await fetch(new URL('sales/orders.json', url), bearer(token))).status, 200)
    assert.ok(!existsSync(`${internal}-shm`) && !existsSync(`${internal}-wal`))
    // A stray -shm (from an older version, or planted) is never mapped.
    writeFileSync(`${internal}-shm`, '')
    assert.equal((await fetch(new URL('sales/orders.json', url), bearer(token))).status, 200)
    run.child.kill('SIGTERM')
    assert.equal(await run.exited, 0)
  })

  it('deleted while serving: managed tokens are refused with 503 and the log says why; restored, they work again', { timeout: 60_000 }, async () => {
    const { dir, db, internal, token } = await setup()
    const { run, url } = await start(db, internal)
    assert.equal((await fetch(new URL('sales/orders.json', url), bearer(token))).status, 200)
    const backup = join(dir, 'backup.db')
    copyFileSync(internal, backup)
    rmSync(internal)
    await new Promise((resolve) => setTimeout(resolve, 150)) // noticed within 100 ms
    const refused = await timed(new URL('sales/orders.json', url), bearer(token))
    assert.equal(refused.status, 503)
    assert.match(JSON.parse(refused.body).error, /internal database is missing/)
    assert.equal((await fetch(new URL('sales/orders.json', url))).status, 200, 'the rest keeps serving')
    renameSync(backup, internal)
    await new Promise((resolve) => setTimeout(resolve, 150))
    assert.equal((await fetch(new URL('sales/orders.json', url), bearer(token))).status, 200, 'the restored file is reopened')
    run.child.kill('SIGTERM')
    await run.exited
    assert.match(run.stderr(), /internal database .*internal\.db has disappeared: managed tokens are refused/)
    assert.match(run.stderr(), /was replaced: reopened it/)
  })

  it('replaced while serving: the server follows the new file, so the CLI and the server agree', { timeout: 60_000 }, async () => {
    const { dir, db, internal, token } = await setup()
    const { run, url } = await start(db, internal)
    assert.equal((await fetch(new URL('sales/orders.json', url), bearer(token))).status, 200)
    // Another internal database, with another token, moved into place.
    const fresh = join(dir, 'fresh.db')
    const newToken = await cliToken(fresh, 'newbie')
    renameSync(fresh, internal)
    await new Promise((resolve) => setTimeout(resolve, 150))
    assert.equal((await fetch(new URL('sales/orders.json', url), bearer(token))).status, 401, 'the old file is gone: so is its token')
    assert.equal((await fetch(new URL('sales/orders.json', url), bearer(newToken))).status, 200)
    // The CLI revokes in the file the server now reads.
    const listed = runCli(['tokens', 'list', '--internal', internal])
    assert.equal(await listed.exited, 0)
    const [record] = JSON.parse(listed.stdout())
    const revoked = runCli(['tokens', 'revoke', record.id, '--internal', internal])
    assert.equal(await revoked.exited, 0, revoked.stderr())
    assert.equal((await fetch(new URL('sales/orders.json', url), bearer(newToken))).status, 401)
    run.child.kill('SIGTERM')
    await run.exited
  })

  it('a directory that cannot be written (no journal can be made): bookkeeping is retried, creation is a 503, reads go on', { timeout: 60_000 }, async (t) => {
    if (process.getuid?.() === 0 && !existsSync('/usr/bin/setpriv')) return t.skip('needs setpriv to drop root')
    const dir = tempDir()
    chmodSync(dir, 0o755)
    const dataDir = join(dir, 'data')
    const stateDir = join(dir, 'state')
    mkdirSync(dataDir, { mode: 0o755 })
    mkdirSync(stateDir)
    chmodSync(stateDir, 0o777)
    const db = makeDb(join(dataDir, 'sales.db'), 'create table orders (id integer primary key)')
    chmodSync(db, 0o644)
    const internal = join(stateDir, 'internal.db')
    const token = await cliToken(internal, 'robot')
    chmodSync(internal, 0o666)
    const config = join(dataDir, 'c.yaml')
    writeFileSync(config, 'allow: true\npermissions:\n  auth-tokens-create: true\n')
    chmodSync(config, 0o644)
    const asRoot = process.getuid?.() === 0
    const command = asRoot ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath]
    const child = spawn(command[0]!, [...command.slice(1), BIN, db, '-c', config, '--internal', internal, '--port', '0', '--no-access-log', '--root'], { env: { ...process.env, DATASERVE_SECRET: 's' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const exited = new Promise((resolve) => child.on('exit', resolve))
    t.after(() => child.kill('SIGKILL'))
    while (!/serving .* at (http:\S+)/.test(stdout)) {
      assert.equal(child.exitCode, null, stderr)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const url = /serving .* at (http:\S+)/.exec(stdout)![1]!
    const login = /log in as root \(once\) at (\S+)/.exec(stdout)![1]!
    const cookie = (await fetch(login, { redirect: 'manual' })).headers.get('set-cookie')!.split(';')[0]!
    chmodSync(stateDir, 0o555)
    try {
      const used = await timed(new URL('sales/orders.json', url), bearer(token))
      assert.equal(used.status, 200, used.body)
      const created = await timed(new URL('-/tokens', url), { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' })
      assert.equal(created.status, 503, created.body)
      assert.ok(created.headers.get('retry-after'))
      assert.equal((await timed(new URL('-/health.json', url))).status, 200)
    } finally {
      chmodSync(stateDir, 0o777)
    }
    child.kill('SIGTERM')
    await exited
    assert.match(stderr, /cannot write audit and last-used rows/)
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace')
  })
})
