import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { TokenInvalidError } from '../../src/errors.ts'
import { startServer } from '../../src/server.ts'
import { TokenRestrictions } from '../../src/token-restrictions.ts'
import type { TokenHandler } from '../../src/types.ts'
import { getJson, serve } from '../helpers.ts'

/** A toy handler: `<prefix>.<actor>`; `<prefix>.revoked` is "mine but bad". */
function prefixHandler(name: string, prefix: string): TokenHandler {
  return {
    name,
    supports: { expiresAfter: true, restrictions: true },
    createToken: (_ds, actorId, { expiresAfter, restrictions }) =>
      `${prefix}.${actorId}${expiresAfter ? `.exp${expiresAfter}` : ''}${restrictions ? '.' + JSON.stringify(restrictions.toJSON()) : ''}`,
    verifyToken: (_ds, token) => {
      if (!token.startsWith(`${prefix}.`)) return null
      const actorId = token.slice(prefix.length + 1)
      if (actorId === 'revoked') throw new TokenInvalidError('Token has been revoked')
      return { id: actorId, token: name }
    },
  }
}

const tokens = definePlugin({
  name: 'toy-tokens',
  hooks: {
    registerTokenHandler: () => prefixHandler('toy', 'toy'),
    // Resolve bearer tokens through ds.verifyToken, as the built-in token plugin will.
    actorFromRequest: async ({ ds, request }) => {
      const auth = request.headers.get('authorization')
      return auth?.startsWith('Bearer ') ? ds.verifyToken(auth.slice(7)) : null
    },
    registerRoutes: () => [{ method: 'GET', path: '/-/whoami', handler: (c) => c.json({ actor: c.var.actor }) }],
  },
})

const otherTokens = definePlugin({
  name: 'other-tokens',
  hooks: { registerTokenHandler: async () => prefixHandler('other', 'oth') },
})

describe('hook: registerTokenHandler', () => {
  it('ds.createToken uses the first handler in call order; ds.verifyToken asks each in turn', async () => {
    const server = await serve({ plugins: [tokens, otherTokens] })
    const { ds } = server
    assert.deepEqual(ds.tokenHandlers.map((h) => h.name), ['other', 'toy', 'signed', 'managed'], 'newest registration first; the built-ins last')
    assert.equal(await ds.createToken('alice'), 'oth.alice')
    assert.equal(await ds.createToken('alice', { handler: 'toy', expiresAfter: 60 }), 'toy.alice.exp60')
    assert.deepEqual(await ds.verifyToken('toy.alice'), { id: 'alice', token: 'toy' })
    assert.deepEqual(await ds.verifyToken('oth.bob'), { id: 'bob', token: 'other' })
    assert.equal(await ds.verifyToken('nobody-claims-this'), null)
  })

  it('restrictions are passed to the handler', async () => {
    const server = await serve({ plugins: [tokens] })
    const restrictions = new TokenRestrictions().allowAll('view-instance').allowResource('db', 'items', 'view-table')
    const token = await server.ds.createToken('carol', { restrictions })
    assert.equal(token, 'toy.carol.{"a":["view-instance"],"r":{"db":{"items":["view-table"]}}}')
  })

  it('an unknown handler name is an error listing the known ones', async () => {
    const server = await serve({ plugins: [tokens] })
    await assert.rejects(server.ds.createToken('alice', { handler: 'nope' }), /Unknown token handler 'nope' \(known: toy, signed, managed\)/)
  })

  it('a token a handler rejects gives 401 over HTTP; a good one gives its actor', async () => {
    const server = await serve({ plugins: [tokens] })
    const good = await getJson(server, '/-/whoami', { headers: { authorization: 'Bearer toy.dave' } })
    assert.deepEqual(good.body.actor, { id: 'dave', token: 'toy' })
    const revoked = await getJson(server, '/-/whoami', { headers: { authorization: 'Bearer toy.revoked' } })
    assert.equal(revoked.status, 401)
    assert.equal(revoked.body.error, 'Token has been revoked')
  })

  it('two handlers with the same name stop startup', async () => {
    const dup = definePlugin({ name: 'dup', hooks: { registerTokenHandler: () => prefixHandler('toy', 'dup') } })
    await assert.rejects(startServer({ port: 0, plugins: [tokens, dup], notice: () => {} }), /Duplicate token handler name 'toy'/)
  })

  it('with no handler registered (the built-in blocked), createToken says so', async () => {
    const server = await serve({ blockPlugins: ['dataserve.tokens'] })
    await assert.rejects(server.ds.createToken('alice'), /No token handler is registered/)
  })
})
