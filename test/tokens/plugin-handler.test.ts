import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { TokenRestrictions } from '../../src/token-restrictions.ts'
import { getJson, makeDb, REPO, serve, tempDir } from '../helpers.ts'

describe('a token handler from a plugin file (plugins/partner-keys.ts)', () => {
  it('mints and verifies its own tokens next to the built-in ones', async () => {
    const server = await serve({ pluginsDir: join(REPO, 'plugins') })
    assert.ok(server.ds.tokenHandlers.some((h) => h.name === 'partner-keys'))
    const key = await server.ds.createToken('acme', { handler: 'partner-keys' })
    assert.match(key, /^pk_/)
    const { body } = await getJson(server, '/-/actor.json', { headers: { authorization: `Bearer ${key}` } })
    assert.deepEqual(body.actor, { id: 'acme', token: 'partner-key' })
    const bad = await getJson(server, '/-/actor.json', { headers: { authorization: `Bearer ${key.slice(0, -2)}xx` } })
    assert.equal(bad.status, 401)
    assert.equal(bad.body.error, 'Invalid partner key')
    const signed = await server.ds.createToken('bob', { handler: 'signed' })
    assert.equal((await getJson(server, '/-/actor.json', { headers: { authorization: `Bearer ${signed}` } })).body.actor.id, 'bob')
  })
})

describe('choosing the handler that mints a token', () => {
  const loggedIn = definePlugin({ name: 'logged-in', hooks: { actorFromRequest: ({ request }) => (request.headers.get('x-user') ? { id: request.headers.get('x-user')! } : null) } })
  const config = () => {
    const dir = tempDir()
    const db = makeDb(join(dir, 'sales.db'), "create table orders (id integer primary key); insert into orders values (1); create table payroll (id integer primary key); insert into payroll values (1);")
    const file = join(dir, 'datasette.yaml')
    writeFileSync(file, 'allow:\n  id: "*"\nallow_sql:\n  id: "*"\n')
    return { db, file }
  }

  it('/-/create-token mints a signed token even when a plugin handler registered later, and the token honours what was asked', async () => {
    const { db, file } = config()
    const server = await serve({ databases: [{ path: db }], configFile: file, pluginsDir: join(REPO, 'plugins'), plugins: [loggedIn] })
    assert.equal(server.ds.tokenHandlers[0]!.name, 'partner-keys', 'the plugin handler comes first in call order')
    const created = await getJson(server, '/-/create-token', {
      method: 'POST',
      headers: { 'x-user': 'alice', 'content-type': 'application/json' },
      body: JSON.stringify({ expires_after: 60, restrictions: { r: { sales: { orders: ['vt'] } } } }),
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    assert.match(created.body.token, /^dstok_/)
    const auth = { headers: { authorization: `Bearer ${created.body.token}` } }
    assert.equal((await getJson(server, '/sales/orders.json', auth)).status, 200)
    assert.equal((await getJson(server, '/sales/payroll.json', auth)).status, 403, 'restricted to one table')
    assert.equal((await getJson(server, '/sales/-/query.json?sql=select+1', auth)).status, 403, 'no SQL')
    const actor = await server.ds.verifyToken(created.body.token)
    assert.ok(typeof actor?.token_expires === 'number' && actor.token_expires <= Date.now() / 1000 + 60, 'the expiry asked for')
  })

  it('ds.createToken refuses an expiry or restrictions that the handler does not declare it supports', async () => {
    const server = await serve({ pluginsDir: join(REPO, 'plugins') })
    const restrictions = new TokenRestrictions().allowResource('sales', 'orders', 'view-table')
    await assert.rejects(server.ds.createToken('acme', { handler: 'partner-keys', restrictions }), /cannot create restricted tokens/)
    const bare = definePlugin({ name: 'bare', hooks: { registerTokenHandler: () => ({ name: 'bare', createToken: () => 'bare-token', verifyToken: () => null }) } })
    const other = await serve({ plugins: [bare] })
    await assert.rejects(other.ds.createToken('a', { handler: 'bare', expiresAfter: 60 }), /cannot create tokens that expire/)
    await assert.rejects(other.ds.createToken('a', { restrictions }), /cannot create restricted tokens/, 'the first handler is no exception')
    assert.equal(await other.ds.createToken('a'), 'bare-token')
  })

  it('a partner key asked for with an expiry stops working after it', async () => {
    const server = await serve({ pluginsDir: join(REPO, 'plugins') })
    const key = await server.ds.createToken('acme', { handler: 'partner-keys', expiresAfter: 1 })
    assert.equal((await getJson(server, '/-/actor.json', { headers: { authorization: `Bearer ${key}` } })).body.actor.id, 'acme')
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const expired = await getJson(server, '/-/actor.json', { headers: { authorization: `Bearer ${key}` } })
    assert.equal(expired.status, 401)
    assert.equal(expired.body.error, 'Partner key has expired')
  })
})
