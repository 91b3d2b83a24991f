import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { getJson, REPO, serve } from '../helpers.ts'

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
