// What a valid token may do: read scopes, tenants, anonymous reads, config rules, and the
// RFC 6750 challenges that say why not.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { getJson } from '../helpers.ts'
import { bearer, oidcServer } from './fixtures.ts'
import { TestIssuer } from './issuer.ts'

describe('OIDC: what a token may do', () => {
  it('no credentials where reading needs a token: 401 with a Bearer challenge and no error attribute', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url)
    const { status, headers, body } = await getJson(server, '/sales/orders.json')
    assert.equal(status, 401)
    assert.equal(headers.get('www-authenticate'), 'Bearer realm="dataserve"')
    assert.equal(body.ok, false)
  })

  it('a valid token without the read scopes: 403 with insufficient_scope naming them', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url, { read_scopes: ['datasets:read', 'tables:all'] })
    const partly = await getJson(server, '/sales/orders.json', bearer(await issuer.token({ claims: { scope: 'datasets:read' } })))
    assert.equal(partly.status, 403)
    assert.equal(partly.headers.get('www-authenticate'), 'Bearer realm="dataserve", error="insufficient_scope", scope="datasets:read tables:all"')
    const both = await getJson(server, '/sales/orders.json', bearer(await issuer.token({ claims: { scope: 'tables:all datasets:read' } })))
    assert.equal(both.status, 200)
    // Scopes are case-sensitive.
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token({ claims: { scope: 'DATASETS:READ tables:all' } })))).status, 403)
  })

  it('read_scopes empty: any valid token reads; other actions still need config rules', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url, { read_scopes: [] })
    const token = await issuer.token({ claims: { scope: '' } })
    assert.equal((await getJson(server, '/sales/orders.json', bearer(token))).status, 200)
    assert.equal((await getJson(server, '/sales/-/query.json?sql=select+1', bearer(token))).status, 403)
  })

  it('config allow blocks match scopes and tenant: allow_sql: {scopes: datasets:sql}', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url, { tenant_claim: '/tid' }, 'allow_sql:\n  scopes: datasets:sql\ndatabases:\n  sales:\n    tables:\n      orders:\n        allow:\n          tenant: [acme]\n')
    const sql = await issuer.token({ claims: { scope: 'datasets:read datasets:sql', tid: 'acme' } })
    assert.equal((await getJson(server, '/sales/-/query.json?sql=select+1', bearer(sql))).status, 200)
    const readOnly = await issuer.token({ claims: { scope: 'datasets:read', tid: 'acme' } })
    assert.equal((await getJson(server, '/sales/-/query.json?sql=select+1', bearer(readOnly))).status, 403)
    assert.equal((await getJson(server, '/sales/orders.json', bearer(readOnly))).status, 200)
    const otherTenant = await issuer.token({ claims: { scope: 'datasets:read', tid: 'globex' } })
    assert.equal((await getJson(server, '/sales/orders.json', bearer(otherTenant))).status, 403, 'a config rule denies')
  })

  it('allowed_tenants: the tenant claim (as a string) must be listed; a wrong or missing tenant is a 403', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url, { tenant_claim: '/ext/tenant~1id', allowed_tenants: ['acme', '42'] })
    const token = (tenant: unknown) => issuer.token({ claims: { ext: tenant === undefined ? {} : { 'tenant/id': tenant } } })
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await token('acme')))).status, 200)
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await token(42)))).status, 200, 'a number claim compares as a string')
    const actor = await getJson(server, '/-/actor.json', bearer(await token(42)))
    assert.equal(actor.body.actor.tenant, '42')
    for (const tenant of ['globex', undefined]) {
      const { status, headers } = await getJson(server, '/sales/orders.json', bearer(await token(tenant)))
      assert.equal(status, 403, String(tenant))
      assert.equal(headers.get('www-authenticate'), null, 'no scope would help')
    }
  })

  it('anonymous_read: anonymous GETs read; a bad token is still a 401 and a token without the scope still a 403', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url, { anonymous_read: true })
    assert.equal((await getJson(server, '/sales/orders.json')).status, 200)
    assert.equal((await getJson(server, '/sales/orders.json', bearer('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'))).status, 401)
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token({ claims: { scope: 'other' } })))).status, 403)
    assert.equal((await getJson(server, '/sales/-/query.json?sql=select+1')).status, 401, 'SQL is not a read: a token is asked for')
  })

  it('dstok_, managed and static tokens keep working beside it; a JWT-shaped value is the OIDC plugin\'s', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url, {}, 'allow:\n  id: "*"\n')
    const signed = await server.ds.createToken('bob')
    assert.match(signed, /^dstok_/)
    assert.equal((await getJson(server, '/-/actor.json', bearer(signed))).body.actor.id, 'bob')
    const managed = await server.ds.createToken('carol', { handler: 'managed' })
    assert.equal((await getJson(server, '/-/actor.json', bearer(managed))).body.actor.id, 'carol')
    assert.equal((await getJson(server, '/-/actor.json', bearer(await issuer.token()))).body.actor.auth, 'oidc')
    assert.equal((await getJson(server, '/-/actor.json', bearer('not.a.jwt'))).status, 401)
  })

  it('a Google-Sheets-style request: a JWT in ?_auth_token= reads the CSV, a bad one fails cleanly', async () => {
    const issuer = await TestIssuer.start()
    const { oidcFiles } = await import('./fixtures.ts')
    const { writeFileSync, readFileSync } = await import('node:fs')
    const { serve } = await import('../helpers.ts')
    const files = oidcFiles(issuer.url)
    writeFileSync(files.config, readFileSync(files.config, 'utf8').replace('plugins:\n', 'plugins:\n  tokens:\n    param: _auth_token\n'))
    const server = await serve({ databases: [{ path: files.db }], configFile: files.config })
    const good = await server.get(`/sales/orders.csv?_stream=on&_auth_token=${await issuer.token()}`)
    assert.equal(good.status, 200)
    assert.equal(await good.text(), 'id,item\r\n1,apple\r\n2,pear\r\n')
    const bad = await server.get(`/sales/orders.csv?_stream=on&_auth_token=${(await issuer.token()).slice(0, -4)}AAAA`)
    assert.equal(bad.status, 401)
    assert.equal(bad.headers.get('content-type'), 'application/json; charset=utf-8')
    assert.equal(bad.headers.get('cache-control'), 'no-store')
    assert.match((await bad.json()).error, /signature/)
  })
})
