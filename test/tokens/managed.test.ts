import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ManagedTokenStore } from '../../src/builtins/tokens/managed-store.ts'
import { definePlugin } from '../../src/define-plugin.ts'
import { TokenRestrictions } from '../../src/token-restrictions.ts'
import { getJson, makeDb, runCli, serve, tempDir } from '../helpers.ts'

const headerActor = definePlugin({
  name: 'header-actor',
  hooks: { actorFromRequest: ({ request }) => (request.headers.get('x-user') ? { id: request.headers.get('x-user')! } : null) },
})

async function world() {
  const dir = tempDir('dataserve-managed-')
  const db = makeDb(join(dir, 'sales.db'), 'create table orders (id integer primary key); insert into orders values (1); create table payroll (id integer primary key);')
  const configFile = join(dir, 'datasette.yaml')
  writeFileSync(configFile, 'allow:\n  id: "*"\npermissions:\n  auth-tokens-create:\n    id: "*"\n  auth-tokens-view-all:\n    id: admin\n  auth-tokens-revoke-all:\n    id: admin\n')
  const internal = join(dir, 'internal.db')
  const server = await serve({ databases: [{ path: db }], configFile, internal, plugins: [headerActor] })
  return { server, internal, db, configFile }
}

const as = (user: string, init: RequestInit = {}) => ({ ...init, headers: { 'x-user': user, 'content-type': 'application/json', ...(init.headers ?? {}) } })
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

describe('managed tokens', () => {
  it('create over the API, use, see it in the list, revoke: the next request is refused', async () => {
    const { server } = await world()
    const created = await getJson(server, '/-/tokens', as('alice', { method: 'POST', body: JSON.stringify({ description: 'sheets', expires_after: 3600, restrictions: { r: { sales: { orders: ['view-table'] } } } }) }))
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const { token, id } = created.body
    assert.match(token, /^dsmt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/)
    assert.equal(created.body.status, 'active')
    assert.deepEqual(created.body.restrictions, { r: { sales: { orders: ['vt'] } } })
    assert.deepEqual((await getJson(server, '/-/actor.json', bearer(token))).body.actor, { id: 'alice', token: 'managed', token_id: id, _r: { r: { sales: { orders: ['vt'] } } }, token_expires: created.body.expires_at })
    assert.equal((await getJson(server, '/sales/orders.json', bearer(token))).status, 200)
    assert.equal((await getJson(server, '/sales/payroll.json', bearer(token))).status, 403, 'restrictions narrow')
    const list = await getJson(server, '/-/tokens.json', as('alice'))
    assert.deepEqual(list.body.tokens.map((t: any) => [t.id, t.description, t.status]), [[id, 'sheets', 'active']])
    assert.equal(JSON.stringify(list.body).includes(token.slice(-43)), false, 'the secret is never shown again')
    const revoked = await getJson(server, `/-/tokens/${id}/revoke`, as('alice', { method: 'POST' }))
    assert.equal(revoked.body.status, 'revoked')
    const refused = await getJson(server, '/sales/orders.json', bearer(token))
    assert.equal(refused.status, 401)
    assert.equal(refused.body.error, 'Token has been revoked')
  })

  it('owners see and revoke only their own tokens; view-all and revoke-all reach everyone', async () => {
    const { server } = await world()
    const mine = (await getJson(server, '/-/tokens', as('alice', { method: 'POST', body: '{}' }))).body
    await getJson(server, '/-/tokens', as('bob', { method: 'POST', body: '{}' }))
    assert.equal((await getJson(server, '/-/tokens.json', as('bob'))).body.total, 1)
    assert.equal((await getJson(server, `/-/tokens/${mine.id}.json`, as('bob'))).status, 404)
    assert.equal((await getJson(server, `/-/tokens/${mine.id}/revoke`, as('bob', { method: 'POST' }))).status, 404)
    assert.equal((await getJson(server, '/-/tokens.json?actor=alice', as('bob'))).status, 403)
    assert.equal((await getJson(server, '/-/tokens.json', as('admin'))).body.total, 2)
    assert.equal((await getJson(server, '/-/tokens.json?actor=alice', as('admin'))).body.total, 1)
    assert.equal((await getJson(server, `/-/tokens/${mine.id}.json`, as('admin'))).body.actor_id, 'alice')
    assert.equal((await getJson(server, `/-/tokens/${mine.id}/revoke`, as('admin', { method: 'POST' }))).body.revoked_by, 'admin')
    assert.equal((await getJson(server, '/-/tokens.json?status=revoked', as('admin'))).body.total, 1)
  })

  it('tokens cannot manage tokens; anonymous cannot; bad input is a 400', async () => {
    const { server } = await world()
    const { token } = (await getJson(server, '/-/tokens', as('alice', { method: 'POST', body: '{}' }))).body
    assert.equal((await getJson(server, '/-/tokens.json', bearer(token))).status, 403)
    assert.equal((await getJson(server, '/-/tokens', { method: 'POST', body: '{}' })).status, 403)
    assert.equal((await getJson(server, '/-/tokens', as('alice', { method: 'POST', body: '{"expires_after": 0}' }))).status, 400)
    assert.equal((await getJson(server, '/-/tokens', as('alice', { method: 'POST', body: '[]' }))).status, 400)
    assert.equal((await getJson(server, '/-/tokens.json?status=maybe', as('alice'))).status, 400)
  })

  it('unknown id, wrong secret and garbage are all 401, and are audited without the secret', async () => {
    const { server } = await world()
    const { token, id } = (await getJson(server, '/-/tokens', as('alice', { method: 'POST', body: '{}' }))).body
    const wrongSecret = token.slice(0, -4) + 'AAAA'
    const unknownId = `dsmt_${'0'.repeat(16)}_${token.slice(-43)}`
    for (const bad of [wrongSecret, unknownId, "dsmt_' or 1=1 --", 'dsmt_']) {
      assert.equal((await getJson(server, '/sales/orders.json', bearer(bad))).status, 401, bad)
    }
    await getJson(server, '/sales/orders.json', bearer(token))
    const events = (await getJson(server, `/-/tokens/events.json`, as('admin'))).body.events
    const kinds = events.map((e: any) => `${e.event}:${e.token_id ?? '-'}:${e.detail ?? ''}`)
    assert.ok(kinds.includes(`created:${id}:`), kinds.join(' '))
    assert.ok(kinds.includes(`rejected:${id}:wrong secret`))
    assert.ok(kinds.includes('rejected:-:unknown id'))
    assert.ok(kinds.includes('rejected:-:malformed'))
    assert.ok(events.some((e: any) => e.event === 'used' && e.token_id === id && e.path === '/sales/orders.json'))
    assert.ok(!JSON.stringify(events).includes(token.slice(-43)), 'no secret in the audit trail')
    assert.equal((await getJson(server, '/-/tokens/events.json', as('alice'))).status, 403)
  })

  it('expiry flips the status lazily; last used is written at most once a minute', () => {
    const dir = tempDir()
    let now = 1_000
    const store = new ManagedTokenStore(join(dir, 'internal.db'), () => now)
    const { token, record } = store.create('alice', { expiresAfter: 100 })
    store.verify(token, '/a')
    now += 30
    store.verify(token, '/b')
    assert.equal(store.get(record.id)!.last_used_at, 1_000)
    now += 40
    store.verify(token, '/c')
    assert.equal(store.get(record.id)!.last_used_at, 1_070)
    assert.equal(store.events({ tokenId: record.id, limit: 10, offset: 0 }).filter((e) => e.event === 'used').length, 2)
    now = 1_100
    assert.equal(store.get(record.id)!.status, 'expired', 'reported expired before anyone uses it')
    assert.throws(() => store.verify(token, '/d'), /Token has expired/)
    assert.equal(store.list({ status: 'expired', limit: 10, offset: 0 }).total, 1)
    store.close()
  })

  it('a token seen before is still checked: a wrong secret for its id fails, and a revocation by another connection is seen at once', () => {
    const path = join(tempDir(), 'internal.db')
    const store = new ManagedTokenStore(path)
    const { token, record } = store.create('alice', {})
    assert.equal(store.verify(token, '/a').id, 'alice')
    assert.equal(store.verify(token, '/b').id, 'alice')
    const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')
    assert.throws(() => store.verify(wrong, '/c'), /Invalid token/)
    // Another process (the CLI) revokes through its own connection, right after a use.
    const other = new ManagedTokenStore(path)
    assert.equal(other.revoke(record.id, 'admin')?.status, 'revoked')
    other.close()
    assert.throws(() => store.verify(token, '/d'), /Token has been revoked/)
    store.close()
  })

  it('restart keeps managed tokens; the CLI creates, lists and revokes in the same internal database', async () => {
    const dir = tempDir()
    const db = makeDb(join(dir, 'sales.db'), 'create table orders (id integer primary key)')
    const internal = join(dir, 'internal.db')
    const created = runCli(['tokens', 'create', 'robot', '--internal', internal, '--create', '--resource', 'sales', 'orders', 'view-table', '--description', 'nightly export'])
    assert.equal(await created.exited, 0, created.stderr())
    const token = created.stdout().trim()
    const start = async () => {
      const run = runCli([db, '--internal', internal, '--default-allow', '--port', '0'])
      return { run, url: await run.url }
    }
    const first = await start()
    assert.match(first.run.stdout(), new RegExp(`managed tokens are kept in ${internal}`))
    assert.equal((await fetch(new URL('sales/orders.json', first.url), bearer(token))).status, 200)
    first.run.child.kill('SIGTERM')
    await first.run.exited
    const second = await start()
    assert.equal((await fetch(new URL('sales/orders.json', second.url), bearer(token))).status, 200, 'still valid after a restart')
    const listed = runCli(['tokens', 'list', '--internal', internal])
    assert.equal(await listed.exited, 0)
    const [record] = JSON.parse(listed.stdout())
    assert.equal(record.description, 'nightly export')
    const revoked = runCli(['tokens', 'revoke', record.id, '--internal', internal])
    assert.equal(await revoked.exited, 0)
    assert.equal((await fetch(new URL('sales/orders.json', second.url), bearer(token))).status, 401, 'revocation seen by the running server')
    second.run.child.kill('SIGTERM')
    await second.run.exited
  })

  it('ds.createToken can name the managed handler', async () => {
    const { server } = await world()
    const token = await server.ds.createToken('carol', { handler: 'managed', restrictions: new TokenRestrictions().allowAll('view-instance') })
    assert.match(token, /^dsmt_/)
    assert.deepEqual((await server.ds.verifyToken(token))?._r, { a: ['vi'] })
  })
})
