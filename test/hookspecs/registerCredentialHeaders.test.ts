import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { TokenInvalidError } from '../../src/errors.ts'
import { getJson, serve } from '../helpers.ts'

describe('hook: registerCredentialHeaders', () => {
  // A partner plugin with its own header: a 401 from it counts against the client like any other.
  const partner = definePlugin({
    name: 'partner-header',
    hooks: {
      registerCredentialHeaders: () => ['X-Partner-Key'],
      actorFromRequest: ({ request }) => {
        const key = request.headers.get('x-partner-key')
        if (key === null) return null
        if (key !== 'partner-secret') throw new TokenInvalidError('Unknown partner key')
        return { id: 'partner' }
      },
    },
  })

  it('a registered header is a credential: rate-limited after failures, and ambiguous beside Authorization', async () => {
    const server = await serve({ plugins: [partner], overrides: [['settings.failed_credentials_limit', '2']] })
    assert.ok(server.ds.credentialHeaders.has('x-partner-key'), 'lower-cased')
    assert.equal((await getJson(server, '/-/actor.json', { headers: { 'x-partner-key': 'partner-secret' } })).body.actor.id, 'partner')
    const both = await getJson(server, '/-/actor.json', { headers: { 'x-partner-key': 'partner-secret', authorization: 'Bearer dstok_x' } })
    assert.equal(both.status, 400)
    assert.match(both.body.error, /one credential/)
    for (let i = 0; i < 2; i++) assert.equal((await server.get('/-/actor.json', { headers: { 'x-partner-key': 'wrong' } })).status, 401)
    const limited = await server.get('/-/actor.json', { headers: { 'x-partner-key': 'partner-secret' } })
    assert.equal(limited.status, 429)
    assert.ok(Number(limited.headers.get('retry-after')) >= 1)
    // Without any credential, the same client is served as anonymous: the limit is on guessing.
    assert.equal((await server.get('/-/actor.json')).status, 200)
  })

  it('without the plugin the header is nothing special', async () => {
    const server = await serve({ overrides: [['settings.failed_credentials_limit', '1']] })
    assert.equal(server.ds.credentialHeaders.has('x-partner-key'), false)
    for (let i = 0; i < 3; i++) assert.equal((await getJson(server, '/-/actor.json', { headers: { 'x-partner-key': 'wrong' } })).body.actor, null)
  })
})
