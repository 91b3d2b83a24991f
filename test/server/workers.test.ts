import assert from 'node:assert/strict'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { eventually as eventuallyWithin, makeDb, runCli, tempDir, type CliRun } from '../helpers.ts'

const OPS_KEY = 'ops-key-0123456789abcdef'
const ALICE_KEY = 'alice-key-0123456789abcdef'

/** A route that says which process answered, under which config generation, after waiting `?ms=`. */
const WHERE_PLUGIN = `export default {
  name: 'where',
  hooks: {
    registerRoutes: () => [{
      method: 'GET',
      path: '/-/where',
      handler: async (c) => {
        const ms = Number(c.req.query('ms') ?? 0)
        if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms))
        const ds = c.get('ds')
        return c.json({ pid: process.pid, generation: ds.generation.number, title: ds.config.title ?? null })
      },
    }],
  },
}
`

const config = (title: string) => `title: ${title}
allow: true
settings:
  failed_credentials_limit: 4
  failed_credentials_window_secs: 600
  # So that each test's failed credentials come from a client of its own (X-Forwarded-For).
  trusted_proxies: 127.0.0.1
permissions:
  reload-config: {id: ops}
  auth-tokens-create: {id: alice}
plugins:
  api-key:
    keys:
      - key: ${OPS_KEY}
        actor: {id: ops}
      - key: ${ALICE_KEY}
        actor: {id: alice}
`

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

/**
 * One request on a connection of its own: node:cluster hands each new connection to the
 * next process in turn, so consecutive calls reach different processes.
 */
function fresh(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method: init.method ?? 'GET', headers: init.headers, agent: false, timeout: init.timeoutMs ?? 5000 }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () => {
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, json })
      })
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error(`no answer in time: ${path}`)))
    req.end(init.body)
  })
}


/** Processes start and reload in seconds on a busy machine: a longer wait than the default. */
const eventually = (what: string, check: () => Promise<boolean>) => eventuallyWithin(what, check, 15_000)

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('dataserve --workers 2', () => {
  const dir = tempDir('dataserve-workers-')
  const db = makeDb(join(dir, 'shop.db'), "create table items (id integer primary key, name text); insert into items values (1, 'apple'), (2, 'pear');")
  const configFile = join(dir, 'datasette.yaml')
  writeFileSync(configFile, config('one'))
  mkdirSync(join(dir, 'plugins'))
  writeFileSync(join(dir, 'plugins', 'where.mjs'), WHERE_PLUGIN)
  // Started here, not in before(): runCli's after() then belongs to this suite.
  const run: CliRun = runCli([db, '-c', configFile, '--plugins-dir', join(dir, 'plugins'), '--port', '0', '--workers', '2', '--root'], { env: { DATASERVE_SECRET: '' } })
  let base: string
  /** Every server process's pid, from the startup line. */
  let pids: number[]

  /** Asks `/-/where` on fresh connections until every process in `wanted` has answered; their replies by pid. */
  const fromEach = async (wanted: readonly number[], path = '/-/where') => {
    const seen = new Map<number, any>()
    await eventually(`answers from processes ${wanted.join(', ')}`, async () => {
      const reply = await fresh(base, path)
      assert.equal(reply.status, 200)
      seen.set(reply.json.pid, reply.json)
      return wanted.every((pid) => seen.has(pid))
    })
    return seen
  }

  before(async () => {
    base = await run.url
    const line = /serving 1 database at \S+ \(2 processes, pids (\d+) (\d+)\)/.exec(run.stdout())
    assert.ok(line, run.stdout())
    pids = [Number(line[1]), Number(line[2])]
  })

  after(() => {
    for (const pid of pids ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL')
  })

  it('prints the startup line with the process count once, each notice once, and serves from both processes', async () => {
    const out = run.stdout()
    assert.equal(out.match(/serving 1 database/g)?.length, 1, out)
    assert.equal(out.match(/dataserve: plugins: where \(plugins dir\)/g)?.length, 1, out)
    assert.equal(out.match(/dataserve: permissions:/g)?.length, 1, out)
    // stderr is another pipe: it may arrive a moment after stdout's startup line.
    await eventually('the secret notice', async () => run.stderr().includes('using a random secret'))
    assert.equal(run.stderr().match(/using a random secret shared by the 2 processes/g)?.length, 1, run.stderr())
    assert.notEqual(pids[0], pids[1])
    assert.ok(!pids.includes(run.child.pid!), 'the primary serves nothing itself')
    await fromEach(pids)
    assert.equal((await fresh(base, '/shop/items.json?_shape=array')).text, '[{"id":1,"name":"apple"},{"id":2,"name":"pear"}]')
  })

  it('one signing secret for all: a cookie set by one process is honoured by the other', async () => {
    // The one-time root login link: printed once, accepted once, by whichever process.
    const links = run.stdout().match(/log in as root \(once\) at (\S+)/g) ?? []
    assert.equal(links.length, 1, run.stdout())
    const link = /at (\S+)/.exec(links[0]!)![1]!
    const login = await fresh(base, new URL(link).pathname + new URL(link).search)
    assert.equal(login.status, 302)
    const cookie = String(login.headers['set-cookie']).split(';')[0]!
    for (let i = 0; i < 4; i++) {
      // Refused (401 rather than 403: the api-key scheme could sign in) by each process.
      assert.equal((await fresh(base, new URL(link).pathname + new URL(link).search)).status, 401, 'the link works once, in every process')
      const actor = await fresh(base, '/-/actor.json', { headers: { cookie } })
      assert.deepEqual(actor.json.actor, { id: 'root' })
    }
  })

  it('a managed token made in one process works in every process, and once revoked is refused by every one', async () => {
    const created = await fresh(base, '/-/tokens', { method: 'POST', headers: { 'x-api-key': ALICE_KEY, 'content-type': 'application/json' }, body: '{"description": "both"}' })
    assert.equal(created.status, 201, created.text)
    const { token, id } = created.json
    const bearer = { authorization: `Bearer ${token}`, 'x-forwarded-for': '192.0.2.3' }
    for (let i = 0; i < 4; i++) assert.deepEqual((await fresh(base, '/-/actor.json', { headers: bearer })).json.actor?.id, 'alice')
    const revoked = await fresh(base, `/-/tokens/${id}/revoke`, { method: 'POST', headers: { 'x-api-key': ALICE_KEY } })
    assert.equal(revoked.json.status, 'revoked', revoked.text)
    for (let i = 0; i < 4; i++) {
      const refused = await fresh(base, '/-/actor.json', { headers: bearer })
      assert.equal(refused.status, 401)
      assert.equal(refused.json.error, 'Token has been revoked')
    }
  })

  it('a config change, POST /-/reload and SIGHUP each reload every process; a broken config is refused by all', async () => {
    const write = (text: string) => {
      writeFileSync(`${configFile}.new`, text)
      renameSync(`${configFile}.new`, configFile)
    }
    const generations = async () => [...(await fromEach(pids)).values()].map((where) => `${where.generation} ${where.title}`)

    write(config('two'))
    await eventually('both processes on the edited file', async () => (await generations()).every((g) => g === '2 two'))

    const posted = await fresh(base, '/-/reload', { method: 'POST', headers: { 'x-api-key': OPS_KEY } })
    assert.equal(posted.status, 200, posted.text)
    assert.equal(posted.json.reload.generation, 3)
    assert.deepEqual(await generations(), ['3 two', '3 two'], 'POST /-/reload reached both')

    process.kill(run.child.pid!, 'SIGHUP')
    await eventually('both processes reloaded on SIGHUP', async () => (await generations()).every((g) => g === '4 two'))

    write('title: [unclosed\n')
    const refused = await fresh(base, '/-/reload', { method: 'POST', headers: { 'x-api-key': OPS_KEY } })
    assert.equal(refused.status, 400, refused.text)
    assert.match(refused.json.error, /not valid YAML/)
    // The watcher saw the broken file too; neither reload changed anything anywhere.
    await new Promise((resolve) => setTimeout(resolve, 600))
    assert.deepEqual(await generations(), ['4 two', '4 two'])
    write(config('three'))
    await eventually('both processes on the mended file', async () => (await generations()).every((g) => g === '5 three'))
    assert.equal(run.stderr().match(/config reloaded \(api\)/g)?.length, 1, `each reload notice once:\n${run.stderr()}`)
  })

  it('a process that dies is replaced, and the server answers throughout', async () => {
    const [victim, survivor] = pids as [number, number]
    process.kill(victim, 'SIGKILL')
    let replacement = 0
    const lost: string[] = []
    await eventually('a new process answers', async () => {
      // A connection node:cluster was handing to the process as it died is lost with it
      // (the client times out): at most that one.
      const reply = await fresh(base, '/-/where', { timeoutMs: 1500 }).catch((error: Error) => (lost.push(error.message), null))
      if (reply === null) return false
      assert.equal(reply.status, 200, 'every other request is answered meanwhile')
      if (reply.json.pid !== survivor) replacement = reply.json.pid
      return replacement !== 0
    })
    assert.ok(lost.length <= 1, lost.join('; '))
    assert.notEqual(replacement, victim)
    assert.match(run.stderr(), new RegExp(`process \\d \\(pid ${victim}\\) was killed by SIGKILL; starting another`))
    // The replacement read the config in force and did not print a second login link.
    assert.equal((await fromEach([replacement])).get(replacement).title, 'three')
    assert.equal(run.stdout().match(/log in as root/g)?.length, 1)
    pids = [replacement, survivor]
  })

  it('failed credentials count across processes: the limit holds whichever process a client reaches', async () => {
    // The limit is 4: two failures in each process, then every process refuses the client.
    const client = { 'x-forwarded-for': '192.0.2.6' }
    for (let i = 0; i < 4; i++) assert.equal((await fresh(base, '/-/actor.json', { headers: { ...client, authorization: 'Bearer dstok_nonsense' } })).status, 401)
    for (let i = 0; i < 4; i++) {
      const limited = await fresh(base, '/-/actor.json', { headers: { ...client, 'x-api-key': OPS_KEY } })
      assert.equal(limited.status, 429, `request ${i + 1} after the limit: ${limited.text}`)
      assert.ok(Number(limited.headers['retry-after']) > 0)
    }
    // Another client is not limited by this one's failures.
    assert.equal((await fresh(base, '/-/actor.json', { headers: { 'x-forwarded-for': '192.0.2.7', 'x-api-key': OPS_KEY } })).status, 200)
  })

  it('SIGTERM lets requests in flight finish, stops every process and removes the temporary internal database', async () => {
    const internal = /managed tokens are kept in (\S+)/.exec(run.stdout())![1]!
    assert.ok(existsSync(internal))
    const slow = fresh(base, '/-/where?ms=1000')
    await new Promise((resolve) => setTimeout(resolve, 300))
    process.kill(run.child.pid!, 'SIGTERM')
    const reply = await slow
    assert.equal(reply.status, 200)
    assert.equal(await run.exited, 0)
    for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} stopped`)
    assert.equal(existsSync(internal), false)
    assert.match(run.stdout(), /SIGTERM received, shutting down 2 processes/)
  })
})

describe('dataserve --workers: refusals', () => {
  it('a bad --workers is a usage error; a bad database stops the primary with one line', async () => {
    const usage = ['0', 'x', '257', '1.5'].map((bad) => runCli([':memory:', '--workers', bad]))
    const run = runCli([join(tempDir(), 'missing', 'nothing.db'), '--workers', '2', '--port', '0'])
    for (const bad of usage) {
      assert.equal(await bad.exited, 2)
      assert.match(bad.stderr(), /--workers: expected a number of processes from 1 to 256, or auto/)
    }
    assert.equal(await run.exited, 1)
    const lines = run.stderr().split('\n').filter((line) => line.startsWith('dataserve: cannot start'))
    assert.equal(lines.length, 1, run.stderr())
  })
})
