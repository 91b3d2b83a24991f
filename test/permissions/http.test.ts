import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { getJson, makeDb, runCli, serve, tempDir } from '../helpers.ts'

function world(config: string) {
  const dir = tempDir('dataserve-http-perm-')
  const db = makeDb(join(dir, 'sales.db'), 'create table orders (id integer primary key); insert into orders values (1); create table salaries (id integer primary key);')
  const configFile = join(dir, 'datasette.yaml')
  writeFileSync(configFile, config)
  return { db, configFile, dir }
}

/** An actor from an x-user header, for tests only. */
const headerActor = definePlugin({
  name: 'header-actor',
  hooks: { actorFromRequest: ({ request }) => (request.headers.get('x-user') ? { id: request.headers.get('x-user')! } : null) },
})

describe('permissions over HTTP', () => {
  it('default deny: every data page is 403 JSON, the health check still answers', async () => {
    const { db } = world('')
    const server = await serve({ databases: [{ path: db }] })
    for (const path of ['/.json', '/sales.json', '/sales/orders.json', '/sales/orders.csv?_stream=on', '/sales/-/query.json?sql=select+1', '/-/plugins.json', '/-/actions.json']) {
      const { status, body } = await getJson(server, path)
      assert.equal(status, 403, path)
      assert.equal(body.ok, false)
    }
    assert.equal((await getJson(server, '/-/health.json')).status, 200)
    assert.deepEqual((await getJson(server, '/-/actor.json')).body, { ok: true, actor: null })
  })

  it('config rules decide over HTTP, and listings hide what the actor may not see', async () => {
    const { db, configFile } = world(`allow: true
databases:
  sales:
    tables:
      salaries:
        allow:
          id: alice
`)
    const server = await serve({ databases: [{ path: db }], configFile, plugins: [headerActor] })
    assert.equal((await getJson(server, '/sales/orders.json')).status, 200)
    const denied = await getJson(server, '/sales/salaries.json')
    assert.equal(denied.status, 403)
    assert.equal(denied.body.error, 'You do not have permission to view this table')
    assert.equal((await getJson(server, '/sales/salaries.json', { headers: { 'x-user': 'alice' } })).status, 200)
    const listing = await getJson(server, '/sales.json')
    assert.deepEqual(listing.body.tables.map((t: any) => t.name), ['orders'])
    assert.doesNotMatch(JSON.stringify(listing.body), /salaries/)
    const alices = await getJson(server, '/sales.json', { headers: { 'x-user': 'alice' } })
    assert.deepEqual(alices.body.tables.map((t: any) => t.name), ['orders', 'salaries'])
  })

  it('/-/actor.json shows the actor', async () => {
    const server = await serve({ plugins: [headerActor] })
    assert.deepEqual((await getJson(server, '/-/actor.json', { headers: { 'x-user': 'bob' } })).body, { ok: true, actor: { id: 'bob' } })
  })

  it('/-/allowed.json lists what the actor may do, paginated', async () => {
    const { db, configFile } = world('allow: true\ndatabases:\n  sales:\n    tables:\n      salaries:\n        allow: false\n')
    const server = await serve({ databases: [{ path: db }], configFile })
    const { body } = await getJson(server, '/-/allowed.json?action=view-table')
    assert.equal(body.action, 'view-table')
    assert.deepEqual(body.items, [{ parent: 'sales', child: 'orders', resource: '/sales/orders' }])
    assert.equal(body.total, 1)
    const paged = await getJson(server, '/-/allowed.json?action=vd&page_size=1')
    assert.deepEqual(paged.body.items, [{ parent: 'sales', child: null, resource: '/sales' }])
    assert.equal(paged.body.next_url, null)
    assert.equal((await getJson(server, '/-/allowed.json?action=nope')).status, 400)
    assert.equal((await getJson(server, '/-/allowed.json')).status, 400)
    assert.equal((await getJson(server, '/-/allowed.json?action=vt&page=0')).status, 400)
  })

  it('/-/check.json needs permissions-debug and says which rule decided', async () => {
    const { db, configFile } = world('allow: true\npermissions:\n  permissions-debug:\n    id: admin\ndatabases:\n  sales:\n    tables:\n      salaries:\n        allow: false\n')
    const server = await serve({ databases: [{ path: db }], configFile, plugins: [headerActor] })
    assert.equal((await getJson(server, '/-/check.json?action=view-table&parent=sales&child=salaries')).status, 403)
    const admin = { headers: { 'x-user': 'admin' } }
    const salaries = await getJson(server, '/-/check.json?action=view-table&parent=sales&child=salaries', admin)
    assert.equal(salaries.body.allowed, false)
    assert.equal(salaries.body.reason, 'denied by databases.sales.tables.salaries.allow')
    const orders = await getJson(server, '/-/check.json?action=vt&parent=sales&child=orders', admin)
    assert.equal(orders.body.allowed, true)
    assert.equal(orders.body.reason, 'allowed by allow')
    const sql = await getJson(server, '/-/check.json?action=execute-sql&parent=sales', admin)
    assert.equal(sql.body.allowed, false)
    assert.equal(sql.body.reason, 'no rule allows it: denied by default')
  })

  it('/-/actions.json lists every action with abbreviation, resource kind and description', async () => {
    const { configFile } = world('allow: true\n')
    const server = await serve({ configFile })
    const { body } = await getJson(server, '/-/actions.json')
    const byName = Object.fromEntries(body.actions.map((a: any) => [a.name, a]))
    assert.deepEqual(byName['view-table'], { name: 'view-table', abbr: 'vt', resource_kind: 'table', description: 'View a table', also_requires: null })
    assert.equal(byName['execute-sql'].also_requires, 'view-database')
    assert.ok(byName['permissions-debug'])
  })

  it('decisions are cached per request: one hook call per question, a new one next request', async () => {
    let calls = 0
    const counter = definePlugin({
      name: 'counter',
      hooks: {
        permissionAllowed: ({ action }) => {
          if (action === 'view-instance') calls++
          return undefined
        },
        registerRoutes: () => [
          {
            method: 'GET',
            path: '/-/twice',
            handler: async (c) => {
              const { ds, actor } = c.var
              await ds.allowed({ actor, action: 'view-instance' })
              await ds.allowed({ actor, action: 'view-instance' })
              return c.json({ ok: true })
            },
          },
        ],
      },
    })
    const server = await serve({ plugins: [counter] })
    calls = 0 // the startup banner asked what anonymous visitors may see
    await server.get('/-/twice')
    assert.equal(calls, 1)
    await server.get('/-/twice')
    assert.equal(calls, 2)
  })
})

describe('invalid permission config stops startup with the path of the bad key', () => {
  const bad: [string, RegExp][] = [
    ['permissions:\n  view-tabel: true\n', /permissions\.view-tabel: unknown action \(did you mean 'view-table'\?\)/],
    ['databases:\n  sales:\n    tables:\n      orders:\n        permissions:\n          fly: true\n', /databases\.sales\.tables\.orders\.permissions\.fly: unknown action/],
    ['allow: alice\n', /allow: an allow block must be true, false or a mapping/],
    ['databases:\n  sales:\n    allow_sql: [alice]\n', /databases\.sales\.allow_sql: an allow block must be true, false or a mapping/],
    ['allow:\n  id:\n    name: alice\n', /allow\.id: expected a value, "\*" or a list of values/],
    ['allow:\n  unauthenticated: yes please\n', /allow\.unauthenticated: unauthenticated must be true or false/],
  ]
  for (const [config, error] of bad) {
    it(JSON.stringify(config.trim()), async () => {
      const { configFile } = world(config)
      const run = runCli(['-c', configFile, '--port', '0'])
      assert.equal(await run.exited, 1)
      assert.match(run.stderr(), error)
      assert.ok(run.stderr().includes(configFile), 'names the file')
    })
  }
})

describe('startup modes', () => {
  it('the banner says default deny', async () => {
    const run = runCli([':memory:', '--port', '0'])
    await run.url
    assert.match(run.stdout(), /permissions: default deny: only what a config file \(-c\) allows is visible/)
    run.child.kill('SIGTERM')
    await run.exited
  })

  it('--default-allow says so loudly, and opens the data', async () => {
    const { db } = world('')
    const run = runCli([db, '--port', '0', '--default-allow'])
    const url = await run.url
    assert.match(run.stdout(), /DEFAULT ALLOW \(--default-allow\): every database, table and SQL query is PUBLIC/)
    assert.equal((await fetch(new URL('sales/orders.json', url))).status, 200)
    run.child.kill('SIGTERM')
    await run.exited
  })

  it('--root prints a one-time login URL that sets a signed ds_actor cookie for root', async () => {
    const { db } = world('')
    const run = runCli([db, '--port', '0', '--root'])
    const url = await run.url
    const login = /log in as root \(once\) at (\S+)/.exec(run.stdout())![1]!
    assert.ok(login.startsWith(`${url}-/auth-token?token=`))
    const response = await fetch(login, { redirect: 'manual' })
    assert.equal(response.status, 302)
    const cookie = response.headers.get('set-cookie')!
    assert.match(cookie, /^ds_actor=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/)
    const jar = cookie.split(';')[0]!
    const actor = await (await fetch(new URL('-/actor.json', url), { headers: { cookie: jar } })).json()
    assert.deepEqual(actor, { ok: true, actor: { id: 'root' } })
    assert.equal((await fetch(new URL('sales/salaries.json', url), { headers: { cookie: jar } })).status, 200)
    assert.equal((await fetch(new URL('sales/salaries.json', url))).status, 403, 'without the cookie: denied')
    assert.equal((await fetch(login, { redirect: 'manual' })).status, 403, 'the login URL works once')
    assert.equal((await fetch(new URL('-/auth-token?token=guess', url), { redirect: 'manual' })).status, 403)
    const tampered = jar.slice(0, -2) + (jar.endsWith('A') ? 'BB' : 'AA')
    assert.deepEqual(await (await fetch(new URL('-/actor.json', url), { headers: { cookie: tampered } })).json(), { ok: true, actor: null })
    run.child.kill('SIGTERM')
    await run.exited
  })
})
