import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { getJson } from '../helpers.ts'
import { authServer, basic, headerValues, rawRequest } from './fixtures.ts'

const KEY_A = 'key-a-0123456789abcdef'
const KEY_B = 'key-b-fedcba9876543210'
const KEY_ETL = 'etl-5f0c2b9a7e3d41c8'
const CHALLENGE = 'ApiKey realm="dataserve", header="X-API-Key"'
const KEYS = `plugins:
  api-key:
    keys:
      - ${KEY_A}
      - ${KEY_B}
      - key: ${KEY_ETL}
        actor: {id: etl, team: data}
`

const withKey = (key: string) => ({ headers: { 'x-api-key': key } })

describe('api-key: shared keys in a header', () => {
  it('anonymous → 401 with the ApiKey challenge; each key is its actor; the header name is case-insensitive', async () => {
    const server = await authServer(KEYS)
    const anonymous = await rawRequest(server.port, 'GET /sales/orders.json HTTP/1.1\r\nHost: 127.0.0.1')
    assert.equal(anonymous.status, 401)
    assert.deepEqual(headerValues(anonymous, 'www-authenticate'), [CHALLENGE])
    const actor = async (headers: Record<string, string>) => (await getJson(server, '/-/actor.json', { headers })).body.actor
    assert.deepEqual(await actor({ 'X-API-Key': KEY_A }), { id: 'api-key', auth: 'api-key', key: 1 })
    assert.deepEqual(await actor({ 'x-api-key': KEY_B }), { id: 'api-key', auth: 'api-key', key: 2 })
    assert.deepEqual(await actor({ 'X-Api-Key': KEY_ETL }), { id: 'etl', team: 'data', auth: 'api-key' })
    const rows = await getJson(server, '/sales/orders.json', { headers: { 'x-api-key': KEY_A } })
    assert.equal(rows.status, 200)
    assert.equal(rows.body.rows.length, 2)
    const raw = await rawRequest(server.port, `GET /sales/orders.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-KEY: ${KEY_B}`)
    assert.equal(raw.status, 200)
  })

  it('a custom header; the challenge names it', async () => {
    const server = await authServer(`plugins:\n  api-key:\n    header: X-Partner-Token\n    key: ${KEY_A}\n`)
    const anonymous = await rawRequest(server.port, 'GET /sales/orders.json HTTP/1.1\r\nHost: 127.0.0.1')
    assert.deepEqual(headerValues(anonymous, 'www-authenticate'), ['ApiKey realm="dataserve", header="X-Partner-Token"'])
    assert.equal((await server.get('/sales/orders.json', { headers: { 'x-partner-token': KEY_A } })).status, 200)
    assert.equal((await server.get('/sales/orders.json', { headers: { 'x-api-key': KEY_A } })).status, 401, 'the default header means nothing now')
  })

  it('missing, empty, wrong, doubled, or non-ASCII: the same 401 with the challenge, never 400 or 500', async () => {
    const server = await authServer(KEYS)
    const send = (lines: Buffer | string) => rawRequest(server.port, Buffer.concat([Buffer.from('GET /sales/orders.json HTTP/1.1\r\nHost: 127.0.0.1\r\n'), Buffer.isBuffer(lines) ? lines : Buffer.from(lines, 'latin1')]))
    const reference = await send(`X-API-Key: ${KEY_A}x`)
    assert.equal(reference.status, 401)
    assert.deepEqual(headerValues(reference, 'www-authenticate'), [CHALLENGE])
    const cases: [string, Buffer | string][] = [
      ['empty', 'X-API-Key: '],
      ['a prefix of a key', `X-API-Key: ${KEY_A.slice(0, -1)}`],
      ['two header lines', `X-API-Key: ${KEY_A}\r\nX-API-Key: ${KEY_A}`],
      ['two keys in one line', `X-API-Key: ${KEY_A}, ${KEY_B}`],
      ['latin-1 bytes', Buffer.concat([Buffer.from('X-API-Key: key-'), Buffer.from([0xe9, 0xff])])],
      ['UTF-8 bytes', Buffer.from(`X-API-Key: ${KEY_A}ü`, 'utf8')],
      ['a Bearer-style value', `X-API-Key: Bearer ${KEY_A}`],
      ['a long value', `X-API-Key: ${'k'.repeat(8000)}`],
    ]
    for (const [label, lines] of cases) {
      const response = await send(lines)
      assert.equal(response.status, 401, label)
      assert.deepEqual(headerValues(response, 'www-authenticate'), [CHALLENGE], label)
      assert.equal(response.body, reference.body, label)
    }
  })

  it('a key beside another credential is ambiguous: 400', async () => {
    const server = await authServer(`${KEYS}  basic-auth:\n    users:\n      viewer: readonly\n`)
    const both = await getJson(server, '/sales/orders.json', { headers: { 'x-api-key': KEY_A, authorization: basic('viewer', 'readonly') } })
    assert.equal(both.status, 400)
    assert.match(both.body.error, /one credential/)
  })

  it('grant_read: false, and allow blocks naming key actors', async () => {
    const server = await authServer(`${KEYS.replace('  api-key:\n', '  api-key:\n    grant_read: false\n')}databases:\n  sales:\n    tables:\n      orders:\n        allow:\n          id: etl\n`)
    assert.equal((await server.get('/sales/orders.json', { headers: { 'x-api-key': KEY_ETL } })).status, 200)
    assert.equal((await server.get('/sales/orders.json', { headers: { 'x-api-key': KEY_A } })).status, 403)
    assert.equal((await server.get('/sales/notes.json', { headers: { 'x-api-key': KEY_ETL } })).status, 403, 'nothing else without grant_read')
  })

  it('what a key reads is private to shared caches; public pages keep their caching; CORS lets browsers send the header', async () => {
    const server = await authServer(`${KEYS}databases:\n  sales:\n    tables:\n      notes:\n        allow: true\n`, { cors: true })
    const keyed = await server.get('/sales/orders.json', withKey(KEY_A))
    assert.equal(keyed.status, 200)
    assert.equal(keyed.headers.get('cache-control'), 'private, max-age=5')
    const publicPage = await server.get('/sales/notes.json')
    assert.equal(publicPage.headers.get('cache-control'), 'max-age=5')
    assert.equal((await server.get('/sales/notes.json', { headers: { authorization: 'Bearer dstok_x' } })).headers.get('cache-control'), null, 'an error is not cached at all')
    const preflight = await server.get('/sales/orders.json', { method: 'OPTIONS', headers: { origin: 'https://bi.example', 'access-control-request-headers': 'x-api-key' } })
    assert.match(preflight.headers.get('access-control-allow-headers')!, /\bx-api-key\b/i)
  })
})
