// A real OpenID provider (oidc-provider via demo/local-idp.ts, as an organisation's IdP would be) minting
// client-credentials JWT access tokens over HTTP, signed RS256, ES256 and PS256; dataserve
// discovers it, fetches its keys and turns the tokens into actors.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startLocalIdp, type LocalClient } from '../../demo/local-idp.ts'
import { getJson } from '../helpers.ts'
import { bearer, oidcServer } from './fixtures.ts'

/** One client per signing algorithm, and one in another tenant. */
const CLIENTS: LocalClient[] = [
  { id: 'reports-rs256', alg: 'RS256', tenant: 'contoso' },
  { id: 'reports-es256', alg: 'ES256', tenant: 'contoso' },
  { id: 'reports-ps256', alg: 'PS256', tenant: 'contoso' },
  { id: 'outsider', alg: 'RS256', tenant: 'fabrikam' },
]

/** The header (0) or the claims (1) of a JWT. */
const decodePart = (token: string, index: number) => JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString())

// Started at the top level, so both live until the file's last test is done.
const idp = await startLocalIdp(CLIENTS)
after(() => idp.close())
const server = await oidcServer(
  idp.issuer,
  { algorithms: ['RS256', 'ES256', 'PS256'], tenant_claim: '/tid', allowed_tenants: ['contoso'] },
  'databases:\n  sales:\n    allow_sql:\n      scopes: datasets:sql\n',
)

describe('OIDC with a real OpenID provider (oidc-provider, client credentials)', () => {
  for (const client of CLIENTS.filter((c) => c.tenant === 'contoso')) {
    it(`a ${client.alg} access token from its /token endpoint reads the table as the client`, async () => {
      const token = await idp.token(client.id, 'datasets:read')
      const header = decodePart(token, 0)
      assert.deepEqual([header.typ, header.alg], ['at+jwt', client.alg], 'what the provider minted')
      const { status, body } = await getJson(server, '/sales/orders.json?_shape=array', bearer(token))
      assert.equal(status, 200)
      assert.deepEqual(body, [
        { id: 1, item: 'apple' },
        { id: 2, item: 'pear' },
      ])
      const actor = await getJson(server, '/-/actor.json', bearer(token))
      assert.deepEqual(actor.body.actor, { id: client.id, auth: 'oidc', iss: idp.issuer, scopes: ['datasets:read'], tenant: 'contoso' })
    })
  }

  it('a scope granted by the provider opens what a config rule ties to it (allow_sql: {scopes: datasets:sql})', async () => {
    const sql = '/sales.json?sql=select+count(*)+as+n+from+orders&_shape=array'
    const reader = await idp.token('reports-rs256', 'datasets:read')
    assert.equal((await getJson(server, sql, bearer(reader))).status, 403)
    const analyst = await idp.token('reports-rs256', 'datasets:read datasets:sql')
    const { status, body } = await getJson(server, sql, bearer(analyst))
    assert.equal(status, 200)
    assert.deepEqual(body, [{ n: 2 }])
  })

  it('a token without the read scope is 403 insufficient_scope; another tenant is 403', async () => {
    const noRead = await idp.token('reports-es256', 'datasets:sql')
    const refused = await getJson(server, '/sales/orders.json', bearer(noRead))
    assert.equal(refused.status, 403)
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="dataserve", error="insufficient_scope", scope="datasets:read"')
    const outsider = await getJson(server, '/sales/orders.json', bearer(await idp.token('outsider', 'datasets:read')))
    assert.equal(outsider.status, 403)
  })

  it('no token is 401 with the Bearer challenge; a tampered one is 401 invalid_token', async () => {
    const anonymous = await getJson(server, '/sales/orders.json')
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="dataserve"')
    const token = await idp.token('reports-ps256', 'datasets:read')
    const [head, , signature] = token.split('.')
    const forged = `${head}.${Buffer.from(JSON.stringify({ ...decodePart(token, 1), sub: 'admin' })).toString('base64url')}.${signature}`
    const refused = await getJson(server, '/sales/orders.json', bearer(forged))
    assert.equal(refused.status, 401)
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/)
  })

  it('1,000 requests with 200 made-up kids cost the provider one request (its JWKS, once per cooldown)', async () => {
    const before = idp.requests.length
    const now = Math.floor(Date.now() / 1000)
    const claims = Buffer.from(JSON.stringify({ iss: idp.issuer, sub: 'x', aud: 'api://dataserve', exp: now + 300, scope: 'datasets:read', tid: 'contoso' })).toString('base64url')
    const kids = Array.from({ length: 200 }, (_, i) => `made-up-${i}-${Math.random().toString(36).slice(2)}`)
    const statuses = new Map<number, number>()
    await Promise.all(
      Array.from({ length: 10 }, async (_, worker) => {
        for (let i = worker; i < 1000; i += 10) {
          const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: kids[i % 200] })).toString('base64url')
          const { status } = await getJson(server, '/sales/orders.json', bearer(`${header}.${claims}.c2lnbmF0dXJl`))
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
        }
      }),
    )
    assert.deepEqual([...statuses], [[401, 1000]])
    assert.deepEqual(idp.requests.slice(before), ['/jwks'])
  })
})
