import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { csrfToken, csrfTokenValid } from '../../src/builtins/tokens/create-token-form.ts'
import { definePlugin } from '../../src/define-plugin.ts'
import { TokenRestrictions } from '../../src/token-restrictions.ts'
import { getJson, makeDb, runCli, serve, tempDir } from '../helpers.ts'

/** A database with two tables, a config, and a server: only signed-in actors may read. */
async function world(config = '', overrides: [string, string][] = []) {
  const dir = tempDir('dataserve-tokens-')
  const db = makeDb(join(dir, 'sales.db'), "create table orders (id integer primary key, item text); insert into orders values (1, 'apple'), (2, 'pear'); create table payroll (id integer primary key, pay integer); insert into payroll values (1, 100);")
  const configFile = join(dir, 'datasette.yaml')
  writeFileSync(configFile, `allow:\n  id: "*"\n${config}`)
  const server = await serve({ databases: [{ path: db }], configFile, overrides, secret: 'tokens-test-secret' })
  return server
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

describe('tokens over HTTP', () => {
  it('a signed token in Authorization: Bearer becomes its actor; the scheme is case-insensitive', async () => {
    const server = await world()
    const token = await server.ds.createToken('alice')
    assert.deepEqual((await getJson(server, '/-/actor.json', bearer(token))).body.actor, { id: 'alice', token: 'dstok' })
    assert.equal((await getJson(server, '/-/actor.json', { headers: { authorization: `bEaReR ${token}` } })).body.actor.id, 'alice')
    assert.equal((await getJson(server, '/sales/orders.json', bearer(token))).status, 200)
    assert.equal((await getJson(server, '/sales/orders.json')).status, 403)
  })

  const badTokens: [string, string][] = [
    ['garbage', 'not-a-token-at-all'],
    ['wrong prefix', 'dstak_eyJhIjoiYWxpY2UiLCJ0IjoxfQ.abc'],
    ['extra dashes', 'dstok_--.--.--'],
    ['SQL metacharacters', "dstok_' or 1=1; drop table orders; --"],
    ['huge', 'dstok_' + 'A'.repeat(10_000)],
    ['empty bearer', ''],
    ['prefix only', 'dstok_'],
    ['dot only', 'dstok_.'],
  ]
  for (const [label, token] of badTokens) {
    it(`a bad token (${label}) is a 401 with WWW-Authenticate, never a 500 or anonymous`, async () => {
      const server = await world('', [])
      const { status, headers, body } = await getJson(server, '/sales/orders.json', bearer(token))
      assert.equal(status, 401, JSON.stringify(body))
      assert.match(headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/)
      assert.equal(body.ok, false)
    })
  }

  it('a non-ASCII token (raw UTF-8 bytes on the wire) is a 401; a header too big for Node is a 431, not a 500', async () => {
    const server = await world()
    const { connect } = await import('node:net')
    const raw = (header: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.write(Buffer.from(`GET /sales/orders.json HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${header}\r\nConnection: close\r\n\r\n`, 'utf8'))
        })
        let data = ''
        socket.on('data', (chunk) => (data += chunk))
        socket.on('end', () => resolve(data))
        socket.on('error', reject)
      })
    assert.match(await raw('dstok_ünïcødé.✓'), /^HTTP\/1\.1 401/)
    assert.match(await raw('dstok_' + 'A'.repeat(100_000)), /^HTTP\/1\.1 431/)
  })

  it('tampered and wrong-secret tokens are 401', async () => {
    const server = await world()
    const token = await server.ds.createToken('alice')
    const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')
    assert.equal((await getJson(server, '/sales/orders.json', bearer(tampered))).status, 401)
    const other = await serve({ secret: 'another-secret' })
    const foreign = await other.ds.createToken('alice')
    assert.equal((await getJson(server, '/sales/orders.json', bearer(foreign))).status, 401)
  })

  it('restrictions narrow what a token may do', async () => {
    const server = await world()
    const token = await server.ds.createToken('alice', { restrictions: new TokenRestrictions().allowResource('sales', 'orders', 'view-table') })
    assert.equal((await getJson(server, '/sales/orders.json', bearer(token))).status, 200)
    assert.equal((await getJson(server, '/sales/payroll.json', bearer(token))).status, 403)
    assert.equal((await getJson(server, '/sales.json', bearer(token))).status, 403)
  })

  it('static tokens from config, compared in constant time', async () => {
    const server = await world('plugins:\n  tokens:\n    tokens:\n      - token: sheets-token-0123456789\n        actor: {id: sheets}\n')
    assert.deepEqual((await getJson(server, '/-/actor.json', bearer('sheets-token-0123456789'))).body.actor, { id: 'sheets', token: 'static' })
    assert.equal((await getJson(server, '/-/actor.json', bearer('sheets-token-0123456788'))).status, 401)
  })

  it('an invalid tokens config stops startup with the key', async () => {
    await assert.rejects(world('plugins:\n  tokens:\n    parm: _auth_token\n'), /plugins\.tokens\.parm: unknown key \(did you mean 'param'\?\)/)
    await assert.rejects(world('plugins:\n  tokens:\n    tokens:\n      - token: short\n        actor: {id: x}\n'), /plugins\.tokens\.tokens\.0\.token: expected a secret of at least 16 characters/)
  })
})

describe('tokens in the query string', () => {
  const enabled = 'plugins:\n  tokens:\n    param: _auth_token\n'

  it('off by default: a query token is a 400 saying how to turn it on, never ignored', async () => {
    const server = await world()
    const token = await server.ds.createToken('alice')
    const { status, body } = await getJson(server, `/sales/orders.json?_auth_token=${token}`)
    assert.equal(status, 400)
    assert.match(body.error, /not enabled \(set plugins\.tokens\.param to _auth_token\)/)
  })

  it('the Google Sheets flow: a token for one table streams its CSV by URL, and fails on another table', async () => {
    const server = await world(enabled)
    const token = await server.ds.createToken('sheets', { restrictions: new TokenRestrictions().allowResource('sales', 'orders', 'view-table') })
    const response = await server.get(`/sales/orders.csv?_stream=on&_auth_token=${token}`)
    assert.equal(response.status, 200)
    assert.equal(await response.text(), 'id,item\r\n1,apple\r\n2,pear\r\n')
    assert.equal(response.headers.get('cache-control'), 'no-store')
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer')
    const other = await getJson(server, `/sales/payroll.csv?_auth_token=${token}`)
    assert.equal(other.status, 403)
    assert.equal(other.headers.get('cache-control'), 'no-store')
  })

  it('the token never appears in next_url, Link headers or redirects', async () => {
    const server = await world(enabled)
    const token = await server.ds.createToken('alice')
    const page = await getJson(server, `/sales/orders.json?_size=1&_auth_token=${token}`)
    assert.equal(page.status, 200)
    assert.ok(page.body.next_url)
    assert.doesNotMatch(page.body.next_url + (page.headers.get('link') ?? ''), /_auth_token|dstok/)
    const redirect = await server.get(`/sales.json?sql=select+1&_auth_token=${token}`, { redirect: 'manual' })
    assert.equal(redirect.status, 302)
    assert.doesNotMatch(redirect.headers.get('location') ?? '', /_auth_token|dstok/)
  })

  it('only on GET and HEAD; not with a header too; not twice', async () => {
    const server = await world(enabled)
    const token = await server.ds.createToken('alice')
    assert.equal((await getJson(server, `/-/create-token?_auth_token=${token}`, { method: 'POST' })).status, 400)
    assert.equal((await getJson(server, `/sales/orders.json?_auth_token=${token}`, bearer(token))).status, 400)
    assert.equal((await getJson(server, `/sales/orders.json?_auth_token=${token}&_auth_token=${token}`)).status, 400)
    assert.equal((await server.get(`/sales/orders.json?_auth_token=${token}`, { method: 'HEAD' })).status, 200)
  })

  it('a bad query token is a 401 with no-store', async () => {
    const server = await world(enabled)
    const response = await server.get('/sales/orders.csv?_auth_token=dstok_nope')
    assert.equal(response.status, 401)
    assert.equal(response.headers.get('cache-control'), 'no-store')
  })

  it('no log line holds the token', async () => {
    const dir = tempDir()
    const db = makeDb(join(dir, 'sales.db'), 'create table orders (id integer primary key)')
    const config = join(dir, 'c.yaml')
    writeFileSync(config, `allow: true\n${enabled}`)
    const env = { DATASERVE_SECRET: 'log-test-secret' }
    const minted = runCli(['create-token', 'alice', '--secret', 'log-test-secret'])
    assert.equal(await minted.exited, 0)
    const token = minted.stdout().trim()
    const run = runCli([db, '-c', config, '--port', '0'], { env })
    const url = await run.url
    await fetch(new URL(`sales/orders.json?_auth_token=${token}`, url))
    await fetch(new URL('sales/orders.json', url), { headers: { authorization: `Bearer ${token}` } })
    await fetch(new URL('sales/orders.json?_auth_token=dstok_wrong', url))
    run.child.kill('SIGTERM')
    await run.exited
    assert.match(run.stdout(), /GET \/sales\/orders\.json 200/)
    assert.ok(!(run.stdout() + run.stderr()).includes(token.slice(6, 30)), 'token found in the logs')
    assert.doesNotMatch(run.stdout() + run.stderr(), /dstok_wrong/)
  })
})

describe('a query-token parameter with a name of its own (plugins.tokens.param: _k)', () => {
  const custom = 'plugins:\n  tokens:\n    param: _k\n'

  it('is kept out of next_url, Link, /-/allowed.json next_url and redirects', async () => {
    const server = await world(custom)
    const token = await server.ds.createToken('alice')
    const page = await getJson(server, `/sales/orders.json?_size=1&_k=${token}`)
    assert.equal(page.status, 200)
    assert.doesNotMatch(page.body.next_url + (page.headers.get('link') ?? ''), /_k=|dstok/)
    const allowed = await getJson(server, `/-/allowed.json?action=view-table&page_size=1&_k=${token}`)
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body))
    assert.ok(allowed.body.next_url)
    assert.doesNotMatch(allowed.body.next_url, /_k=|dstok/)
    const redirect = await server.get(`/sales.json?sql=select+1&_k=${token}`, { redirect: 'manual' })
    assert.doesNotMatch(redirect.headers.get('location') ?? '', /_k=|dstok/)
  })

  it('is redacted in the access log', async () => {
    const dir = tempDir()
    const db = makeDb(join(dir, 'sales.db'), 'create table orders (id integer primary key)')
    const config = join(dir, 'c.yaml')
    writeFileSync(config, `allow: true\n${custom}`)
    const minted = runCli(['create-token', 'alice', '--secret', 'log-test-secret'])
    assert.equal(await minted.exited, 0)
    const token = minted.stdout().trim()
    const run = runCli([db, '-c', config, '--port', '0'], { env: { DATASERVE_SECRET: 'log-test-secret' } })
    const url = await run.url
    assert.equal((await fetch(new URL(`sales/orders.json?_k=${token}`, url))).status, 200)
    await fetch(new URL('sales/orders.json?_k=dstok_wrong', url))
    run.child.kill('SIGTERM')
    await run.exited
    assert.match(run.stdout(), /GET \/sales\/orders\.json\?_k=\*\*\* 200/)
    assert.ok(!(run.stdout() + run.stderr()).includes(token.slice(6, 30)), 'token found in the logs')
    assert.doesNotMatch(run.stdout() + run.stderr(), /dstok_wrong/)
  })
})

describe('abuse: failed credentials are rate-limited per client', () => {
  it('after failed_credentials_limit, that client gets 429 with Retry-After; other clients are unaffected', async () => {
    const server = await world('settings:\n  failed_credentials_limit: 3\n  failed_credentials_window_secs: 60\n')
    const good = await server.ds.createToken('alice')
    const from = (address: string, token: string) =>
      new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
        const req = httpRequest(new URL('-/actor.json', server.url), { localAddress: address, headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined }))
        })
        req.on('error', reject)
        req.end()
      })
    for (let i = 0; i < 3; i++) assert.equal((await from('127.0.0.2', 'dstok_bad')).status, 401)
    const limited = await from('127.0.0.2', 'dstok_bad')
    assert.equal(limited.status, 429)
    assert.ok(Number(limited.retryAfter) >= 1)
    assert.equal((await from('127.0.0.2', good)).status, 429, 'a limited client cannot keep guessing, even right')
    assert.equal((await from('127.0.0.3', good)).status, 200, 'another client is unaffected')
    assert.equal((await from('127.0.0.1', 'dstok_bad')).status, 401)
  })
})

describe('creating tokens', () => {
  const loggedIn = definePlugin({ name: 'logged-in', hooks: { actorFromRequest: ({ request }) => (request.headers.get('x-user') ? { id: request.headers.get('x-user')! } : null) } })

  it('/-/create-token: an HTML form for a logged-in actor, and a JSON POST that mints a token', async () => {
    const dir = tempDir()
    const db = makeDb(join(dir, 'sales.db'), 'create table orders (id integer primary key)')
    const server = await serve({ databases: [{ path: db }], plugins: [loggedIn], overrides: [['settings.default_allow', 'true']] })
    const page = await server.get('/-/create-token', { headers: { 'x-user': 'alice' } })
    assert.equal(page.status, 200)
    assert.match(await page.text(), /<form method="post"[\s\S]*name="database:sales:view-table"/)
    const created = await getJson(server, '/-/create-token', {
      method: 'POST',
      headers: { 'x-user': 'alice', 'content-type': 'application/json' },
      body: JSON.stringify({ expires_after: 3600, restrictions: { r: { sales: { orders: ['vt'] } } } }),
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    assert.match(created.body.token, /^dstok_/)
    const actor = await server.ds.verifyToken(created.body.token)
    assert.deepEqual(actor?._r, { r: { sales: { orders: ['vt'] } } })
    assert.equal(typeof actor?.token_expires, 'number')
  })

  it('the form POST works too, with the CSRF token from the page', async () => {
    const server = await serve({ plugins: [loggedIn] })
    const csrf = async (user: string) => /name="csrftoken" value="([^"]+)"/.exec(await (await server.get('/-/create-token', { headers: { 'x-user': user } })).text())![1]!
    const post = (user: string, fields: Record<string, string>) =>
      getJson(server, '/-/create-token', { method: 'POST', headers: { 'x-user': user }, body: new URLSearchParams({ expire_type: 'hours', expire_duration: '2', 'all:view-instance': 'on', ...fields }) })
    const created = await post('bob', { csrftoken: await csrf('bob') })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    assert.equal(created.body.expires_after, 7200)
    assert.deepEqual(created.body.restrictions, { a: ['view-instance'] })
    // A form posted from another site carries no token, or one it could not have read.
    for (const fields of [{}, { csrftoken: 'forged' }, { csrftoken: await csrf('mallory') }] as Record<string, string>[]) {
      const refused = await post('bob', fields)
      assert.equal(refused.status, 403, JSON.stringify(fields))
      assert.match(refused.body.error, /CSRF/)
    }
  })

  it('a form CSRF token runs out after an hour', async () => {
    const ds = (await serve()).ds
    const alice = { id: 'alice' }
    const now = 1_800_000_000
    assert.ok(csrfTokenValid(ds, alice, csrfToken(ds, alice, now), now + 3600))
    assert.ok(!csrfTokenValid(ds, alice, csrfToken(ds, alice, now), now + 3601))
    assert.ok(!csrfTokenValid(ds, { id: 'bob' }, csrfToken(ds, alice, now), now))
  })

  it('anonymous gets 403; tokens cannot create tokens; bad input is a 400', async () => {
    const server = await serve({ plugins: [loggedIn] })
    assert.equal((await getJson(server, '/-/create-token')).status, 403)
    const token = await server.ds.createToken('alice')
    const byToken = await getJson(server, '/-/create-token', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })
    assert.equal(byToken.status, 403)
    assert.equal(byToken.body.error, 'Tokens cannot create tokens')
    const post = (body: string) => getJson(server, '/-/create-token', { method: 'POST', headers: { 'x-user': 'a', 'content-type': 'application/json' }, body })
    assert.equal((await post('{nope')).status, 400)
    assert.equal((await post('{"expires_after": -5}')).status, 400)
    assert.equal((await post('{"restrictions": {"a": ["fly"]}}')).status, 400)
    assert.equal((await post('{"restrictions": {"x": []}}')).status, 400)
  })

  it('dataserve create-token mints what the server accepts', async () => {
    const dir = tempDir()
    const db = makeDb(join(dir, 'sales.db'), 'create table orders (id integer primary key)')
    const minted = runCli(['create-token', 'robot', '-r', 'sales', 'orders', 'view-table', '-e', '600'], { env: { DATASERVE_SECRET: 'cli-secret' } })
    assert.equal(await minted.exited, 0, minted.stderr())
    const token = minted.stdout().trim()
    const server = await serve({ databases: [{ path: db }], secret: 'cli-secret', overrides: [['settings.default_allow', 'true']] })
    assert.deepEqual(await server.ds.verifyToken(token), { id: 'robot', token: 'dstok', _r: { r: { sales: { orders: ['vt'] } } }, token_expires: (await server.ds.verifyToken(token))!.token_expires })
    assert.equal((await getJson(server, '/sales/orders.json', bearer(token))).status, 200)
    assert.equal((await getJson(server, '/sales.json', bearer(token))).status, 403)
  })

  it('dataserve create-token without a secret refuses', async () => {
    const run = runCli(['create-token', 'robot'], { env: { DATASERVE_SECRET: '', DATASETTE_SECRET: '' } })
    assert.equal(await run.exited, 1)
    assert.match(run.stderr(), /needs the server secret/)
  })
})

describe('query-string tokens, encoded', () => {
  it('a percent-encoded parameter name is still recognised, never ignored', async () => {
    const dir = tempDir()
    const db = makeDb(join(dir, 'sales.db'), 'create table orders (id integer primary key)')
    const config = join(dir, 'c.yaml')
    writeFileSync(config, 'allow:\n  id: "*"\nplugins:\n  tokens:\n    param: _auth_token\n')
    const server = await serve({ databases: [{ path: db }], configFile: config })
    const token = await server.ds.createToken('alice')
    const ok = await server.get(`/sales/orders.json?%5Fauth%5Ftoken=${token}`)
    assert.equal(ok.status, 200)
    assert.equal(ok.headers.get('cache-control'), 'no-store')
    assert.equal((await server.get('/sales/orders.json?%5Fauth%5Ftoken=dstok_bad')).status, 401)
  })
})
