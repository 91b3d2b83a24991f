import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { getJson } from '../helpers.ts'
import { TestIssuer } from '../oidc/issuer.ts'
import { authServer, basic, headerValues, rawRequest } from './fixtures.ts'

const KEY = 'together-key-0123456789ab'
const ADMIN_TOKEN = 'admin-token-0123456789abcdef'
const STATIC = 'static-token-0123456789abcdef'
const yaml = (issuer: string, extra = '') => `plugins:
  tokens:
    tokens:
      - token: ${STATIC}
        actor: {id: sheets}
  oidc:
    issuer: ${issuer}
    audience: api://dataserve
    read_scopes: [datasets:read]
    reload_scopes: [dataserve:reload]
    admin_token: ${ADMIN_TOKEN}
  basic-auth:
    users:
      viewer: readonly
  api-key:
    key: ${KEY}
${extra}`

describe('tokens, OIDC, Basic and API keys enabled together', () => {
  it('each credential gives its own actor; the anonymous challenge offers every scheme, one line each', async () => {
    const issuer = await TestIssuer.start()
    const server = await authServer(yaml(issuer.url), { watchConfig: false })
    const actor = async (headers: Record<string, string>) => {
      const { status, body } = await getJson(server, '/-/actor.json', { headers })
      assert.equal(status, 200, JSON.stringify(body))
      return body.actor
    }
    const signed = await server.ds.createToken('alice')
    assert.equal((await actor({ authorization: `Bearer ${signed}` })).id, 'alice')
    assert.equal((await actor({ authorization: `Bearer ${STATIC}` })).id, 'sheets')
    const jwt = await actor({ authorization: `Bearer ${await issuer.token({ claims: { sub: 'carol' } })}` })
    assert.equal(jwt.id, 'carol')
    assert.equal(jwt.auth, 'oidc')
    assert.deepEqual(await actor({ authorization: basic('viewer', 'readonly') }), { id: 'viewer', auth: 'basic' })
    assert.deepEqual(await actor({ 'x-api-key': KEY }), { id: 'api-key', auth: 'api-key', key: 1 })
    assert.equal(await actor({}), null)

    const anonymous = await rawRequest(server.port, 'GET /sales/orders.json HTTP/1.1\r\nHost: 127.0.0.1')
    assert.equal(anonymous.status, 401)
    const challenges = headerValues(anonymous, 'www-authenticate')
    assert.equal(challenges.length, 3, challenges.join(' | '))
    assert.ok(challenges.includes('Bearer realm="dataserve"'))
    assert.ok(challenges.includes('Basic realm="dataserve", charset="UTF-8"'))
    assert.ok(challenges.includes('ApiKey realm="dataserve", header="X-API-Key"'))

    // Each reads; a wrong credential of each kind is a 401 of its own kind.
    const each: Record<string, string>[] = [{ authorization: basic('viewer', 'readonly') }, { 'x-api-key': KEY }, { authorization: `Bearer ${await issuer.token()}` }]
    for (const headers of each) {
      assert.equal((await server.get('/sales/orders.json', { headers })).status, 200, JSON.stringify(Object.keys(headers)))
    }
    const wrongBasic = await server.get('/sales/orders.json', { headers: { authorization: basic('viewer', 'nope') } })
    assert.match(wrongBasic.headers.get('www-authenticate')!, /^Basic /)
    const wrongJwt = await server.get('/sales/orders.json', { headers: { authorization: `Bearer ${(await issuer.token()).slice(0, -3)}xyz` } })
    assert.match(wrongJwt.headers.get('www-authenticate')!, /^Bearer error="invalid_token"/)
    // Two credentials at once: ambiguous.
    assert.equal((await server.get('/-/actor.json', { headers: { authorization: basic('viewer', 'readonly'), 'x-api-key': KEY } })).status, 400)
    assert.equal((await server.get('/-/actor.json', { headers: { 'x-admin-token': ADMIN_TOKEN, 'x-api-key': KEY } })).status, 400)
  })

  it('POST /-/reload: a JWT with the reload scopes, or the admin token; the admin token may do nothing else', async () => {
    const issuer = await TestIssuer.start()
    const server = await authServer(yaml(issuer.url), { watchConfig: false })
    const reload = (headers: Record<string, string>) => getJson(server, '/-/reload', { method: 'POST', headers })
    assert.equal((await reload({ authorization: `Bearer ${await issuer.token({ claims: { scope: 'dataserve:reload' } })}` })).status, 200)
    const readOnly = await reload({ authorization: `Bearer ${await issuer.token()}` })
    assert.equal(readOnly.status, 403)
    assert.equal((await reload({ 'x-admin-token': ADMIN_TOKEN })).status, 200)
    assert.equal((await reload({ 'x-admin-token': ADMIN_TOKEN + 'x' })).status, 401)
    assert.equal((await server.get('/sales/orders.json', { headers: { 'x-admin-token': ADMIN_TOKEN } })).status, 403, 'the admin token reads nothing')
    assert.equal((await reload({ authorization: basic('viewer', 'readonly') })).status, 403, 'grant_read is reading only')
    assert.equal((await reload({ 'x-api-key': KEY })).status, 403)

    // A reload that turns the fallback off takes the admin token away at once.
    writeFileSync(server.config, yaml(issuer.url).replace('    admin_token:', '    admin_token_fallback: false\n    admin_token:'))
    assert.equal((await reload({ 'x-admin-token': ADMIN_TOKEN })).status, 200)
    assert.notEqual((await reload({ 'x-admin-token': ADMIN_TOKEN })).status, 200)
  })
})
