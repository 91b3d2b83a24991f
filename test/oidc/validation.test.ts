// Every rule a JWT must pass, with tokens a real identity provider would never mint.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import { getJson } from '../helpers.ts'
import { bearer, oidcServer } from './fixtures.ts'
import { TestIssuer, unsigned } from './issuer.ts'

describe('OIDC: what a valid token is', () => {
  it('a token from the issuer, for the audience, with the read scope, reads; its claims become the actor', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url, { algorithms: ['RS256', 'ES256', 'PS256'] })
    for (const alg of ['RS256', 'ES256', 'PS256']) {
      const token = await issuer.token({ alg, claims: { scp: ['extra'] } })
      const { status, body } = await getJson(server, '/sales/orders.json', bearer(token))
      assert.equal(status, 200, `${alg}: ${JSON.stringify(body)}`)
    }
    const { body } = await getJson(server, '/-/actor.json', bearer(await issuer.token({ claims: { scope: 'datasets:read other', scp: 'more' } })))
    assert.deepEqual(body.actor, { id: 'alice', auth: 'oidc', iss: issuer.url, scopes: ['datasets:read', 'other', 'more'] })
  })

  it('client-credentials tokens without sub are named by client_id, then azp', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url)
    const byClient = await getJson(server, '/-/actor.json', bearer(await issuer.token({ claims: { sub: undefined, client_id: 'etl-job' } })))
    assert.equal(byClient.body.actor.id, 'etl-job')
    const byAzp = await getJson(server, '/-/actor.json', bearer(await issuer.token({ claims: { sub: undefined, azp: 'spa' } })))
    assert.equal(byAzp.body.actor.id, 'spa')
    assert.equal((await getJson(server, '/-/actor.json', bearer(await issuer.token({ claims: { sub: undefined } })))).status, 401)
  })

  it('typ at+jwt, application/at+jwt, JWT or none are accepted; any other typ is refused', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url)
    for (const typ of ['at+jwt', 'application/at+jwt', 'JWT', undefined]) {
      assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token({ header: { typ } })))).status, 200, String(typ))
    }
    for (const typ of ['id+jwt', 'dpop+jwt', 'logout+jwt', 42]) {
      const { status, body } = await getJson(server, '/sales/orders.json', bearer(await issuer.token({ header: { typ } })))
      assert.equal(status, 401, String(typ))
      assert.match(body.error, /typ/)
    }
  })

  it('every other token is a 401 with an invalid_token challenge — never a 500, never anonymous', async () => {
    const issuer = await TestIssuer.start()
    issuer.addWeakRsaKey('weak')
    const server = await oidcServer(issuer.url, { algorithms: ['RS256', 'ES256'] })
    const now = Math.floor(Date.now() / 1000)
    const header = { alg: 'RS256', kid: issuer.kid('RS256'), typ: 'at+jwt' }
    const claims = { iss: issuer.url, sub: 'x', aud: 'api://dataserve', exp: now + 300, scope: 'datasets:read' }
    const bad: [string, string | Promise<string>][] = [
      ['no exp', issuer.token({ claims: { exp: undefined } })],
      ['exp not a number', issuer.token({ claims: { exp: 'tomorrow' } })],
      ['expired beyond leeway', issuer.token({ claims: { exp: now - 120 } })],
      ['nbf in the future', issuer.token({ claims: { nbf: now + 600 } })],
      ['iat in the future', issuer.token({ claims: { iat: now + 600 } })],
      ['another issuer', issuer.token({ claims: { iss: 'https://evil.example' } })],
      ['the issuer with a trailing slash', issuer.token({ claims: { iss: issuer.url + '/' } })],
      ['another audience', issuer.token({ aud: 'api://other' })],
      ['an audience list without ours', issuer.token({ aud: ['api://a', 'api://b'] })],
      ['an algorithm not allowed (PS256)', issuer.token({ alg: 'PS256' })],
      ['an unknown critical header', issuer.token({ raw: true, header: { crit: ['exp2'], exp2: 1 } })],
      ['alg none', unsigned({ alg: 'none', typ: 'JWT' }, claims, '')],
      ['HS256 with the public key as secret', unsigned({ ...header, alg: 'HS256' }, claims)],
      ['a forged signature', unsigned(header, claims)],
      ['a weak (1024-bit) RSA key', issuer.token({ kid: 'weak' })],
      ['a kid nobody knows', issuer.token({ kid: 'nobody' })],
      ['a kid that is a number', unsigned({ ...header, kid: 42 }, claims)],
      ['a kid of 10,000 characters', unsigned({ ...header, kid: 'k'.repeat(10_000) }, claims)],
      ['a kid with path characters', unsigned({ ...header, kid: '../../etc/passwd' }, claims)],
      ['a JWE', 'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVy.dGFn'],
      ['a header that is not JSON', 'eyJub3Q.eyJzdWIiOiJ4In0.c2ln'],
      ['a token over 8 KiB', issuer.token({ claims: { padding: 'x'.repeat(9000) } })],
      ['no subject at all', issuer.token({ claims: { sub: undefined } })],
    ]
    for (const [label, pending] of bad) {
      const token = await pending
      const { status, headers, body } = await getJson(server, '/sales/orders.json', bearer(token))
      assert.equal(status, 401, `${label}: ${status} ${JSON.stringify(body)}`)
      assert.match(headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/, label)
      assert.doesNotMatch(JSON.stringify(body), /at \w+ \(|node:internal/, `${label}: no stack`)
    }
  })

  it('keys named by jku, x5u, jwk or x5c headers are never fetched or used', async () => {
    const issuer = await TestIssuer.start()
    const decoy = createServer((req, res) => {
      decoyRequests.push(req.url ?? '')
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": []}')
    })
    const decoyRequests: string[] = []
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', () => resolve()))
    after(() => decoy.close())
    const decoyUrl = `http://127.0.0.1:${(decoy.address() as AddressInfo).port}`
    const server = await oidcServer(issuer.url)
    const now = Math.floor(Date.now() / 1000)
    const claims = { iss: issuer.url, sub: 'x', aud: 'api://dataserve', exp: now + 300, scope: 'datasets:read' }
    for (const extra of [{ jku: `${decoyUrl}/jwks` }, { x5u: `${decoyUrl}/cert.pem` }, { jwk: { kty: 'oct', k: 'c2VjcmV0' } }, { x5c: ['MIIB'] }]) {
      // Signed by an attacker's key: the header points at it; the server must not follow.
      const { status } = await getJson(server, '/sales/orders.json', bearer(unsigned({ alg: 'RS256', kid: 'attacker', ...extra }, claims)))
      assert.equal(status, 401)
    }
    assert.deepEqual(decoyRequests, [])
    // A real token carrying such a header is judged by the issuer's key only.
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token({ header: { jku: `${decoyUrl}/jwks` } })))).status, 200)
    assert.deepEqual(decoyRequests, [])
  })

  it('a token without kid is tried against the keys of its algorithm', async () => {
    const issuer = await TestIssuer.start()
    await issuer.addKey('RS256', 'second-rs')
    const server = await oidcServer(issuer.url)
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token({ signWith: 'second-rs', kid: null })))).status, 200)
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token({ alg: 'RS256', kid: null })))).status, 200)
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token({ alg: 'ES256', kid: null })))).status, 401, 'ES256 is not allowed here')
  })

  it('within the leeway, a just-expired token and one whose nbf is a little ahead still pass', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url, { leeway_secs: 60 })
    const now = Math.floor(Date.now() / 1000)
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token({ claims: { exp: now - 30 } })))).status, 200)
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token({ claims: { nbf: now + 30, iat: now + 30 } })))).status, 200)
  })

  it('a verified token is remembered, but not past its expiry', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url, { leeway_secs: 0 })
    const token = await issuer.token({ claims: { exp: Math.floor(Date.now() / 1000) + 2 } })
    assert.equal((await getJson(server, '/sales/orders.json', bearer(token))).status, 200)
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const { status, body } = await getJson(server, '/sales/orders.json', bearer(token))
    assert.equal(status, 401)
    assert.match(body.error, /expired/)
  })
})
