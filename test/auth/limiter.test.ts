import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FailureLimiter } from '../../src/credentials/limiter.ts'
import { authServer, basic, rawRequest } from './fixtures.ts'

const KEY = 'limiter-key-0123456789abcdef'
const CONFIG = (settings: string) => `settings:
${settings}plugins:
  basic-auth:
    users:
      viewer: readonly
  api-key:
    key: ${KEY}
databases:
  sales:
    tables:
      notes:
        allow: true
`

/** GET `path` over a socket bound to `from`, with extra header lines. */
async function from(port: number, address: string, headers: string[], path = '/-/actor.json') {
  const response = await rawRequest(port, [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headers].join('\r\n'), { localAddress: address })
  return { status: response.status, retryAfter: response.headers.find(([name]) => name === 'retry-after')?.[1] }
}

describe('one failed-credential limiter for every scheme', () => {
  it('failures of Basic, API key and bearer tokens add up per client; 429 with Retry-After; other clients and anonymous requests are unaffected', async () => {
    const server = await authServer(CONFIG('  failed_credentials_limit: 3\n  failed_credentials_window_secs: 60\n'))
    assert.equal((await from(server.port, '127.0.0.2', [`Authorization: ${basic('viewer', 'wrong')}`])).status, 401)
    assert.equal((await from(server.port, '127.0.0.2', [`X-API-Key: ${KEY}-wrong`])).status, 401)
    assert.equal((await from(server.port, '127.0.0.2', ['Authorization: Bearer dstok_garbage'])).status, 401)
    for (const header of [`Authorization: ${basic('viewer', 'readonly')}`, `X-API-Key: ${KEY}`, 'Authorization: Bearer dstok_garbage', 'Authorization: Basic !!!']) {
      const limited = await from(server.port, '127.0.0.2', [header])
      assert.equal(limited.status, 429, header)
      assert.ok(Number(limited.retryAfter) >= 1 && Number(limited.retryAfter) <= 60, `Retry-After ${limited.retryAfter}`)
    }
    assert.equal((await from(server.port, '127.0.0.2', [], '/sales/notes.json')).status, 200, 'no credential, no limit: public data stays readable')
    assert.equal((await from(server.port, '127.0.0.3', [`Authorization: ${basic('viewer', 'readonly')}`])).status, 200, 'another client')
  })

  it('failed_credentials_limit: false turns it off (load tests)', async () => {
    const server = await authServer(CONFIG('  failed_credentials_limit: false\n'))
    for (let i = 0; i < 40; i++) assert.equal((await from(server.port, '127.0.0.2', [`X-API-Key: wrong-${i}`])).status, 401)
    assert.equal((await from(server.port, '127.0.0.2', [`X-API-Key: ${KEY}`])).status, 200)
  })
})

describe('behind a reverse proxy: trusted_proxies', () => {
  it('from a trusted proxy, X-Forwarded-For names the client (read from the right); each client is limited on its own', async () => {
    const server = await authServer(CONFIG('  failed_credentials_limit: 2\n  trusted_proxies: [127.0.0.1, 10.0.0.0/8]\n'))
    const viaProxy = (xff: string, password: string) => from(server.port, '127.0.0.1', [`X-Forwarded-For: ${xff}`, `Authorization: ${basic('viewer', password)}`])
    assert.equal((await viaProxy('203.0.113.5', 'wrong')).status, 401)
    // The client made up the first entry; our proxies added the rest: 203.0.113.5 is the client.
    assert.equal((await viaProxy('198.51.100.99, 203.0.113.5, 10.1.2.3', 'wrong')).status, 401)
    assert.equal((await viaProxy('203.0.113.5', 'readonly')).status, 429)
    assert.equal((await viaProxy('203.0.113.6', 'readonly')).status, 200, 'another client behind the same proxy')
    assert.equal((await viaProxy('203.0.113.5, 10.0.0.9', 'readonly')).status, 429, 'the same client through a second proxy of ours')
  })

  it('RFC 7239 Forwarded, with IPv6 and ports; IPv6 clients count per /64', async () => {
    const server = await authServer(CONFIG('  failed_credentials_limit: 2\n  trusted_proxies: 127.0.0.1\n'))
    const viaProxy = (forwarded: string, key: string) => from(server.port, '127.0.0.1', [`Forwarded: ${forwarded}`, `X-API-Key: ${key}`])
    assert.equal((await viaProxy('for="[2001:db8:1:2::7]:4711";proto=https', 'wrong')).status, 401)
    assert.equal((await viaProxy('for="[2001:db8:1:2:ffff::8]"', 'wrong')).status, 401)
    assert.equal((await viaProxy('for="[2001:db8:1:2::9]"', KEY)).status, 429, 'the same /64')
    assert.equal((await viaProxy('for="[2001:db8:1:3::7]"', KEY)).status, 200, 'another /64')
    assert.equal((await viaProxy('for=192.0.2.60;proto=http;by=203.0.113.43', KEY)).status, 200)
  })

  it('from anyone else, forwarding headers are ignored: a client cannot dodge the limit by inventing addresses', async () => {
    const server = await authServer(CONFIG('  failed_credentials_limit: 3\n  trusted_proxies: 127.0.0.1\n'))
    for (let i = 0; i < 3; i++) {
      assert.equal((await from(server.port, '127.0.0.2', [`X-Forwarded-For: 203.0.113.${i}`, `Forwarded: for=198.51.100.${i}`, `X-API-Key: wrong`])).status, 401)
    }
    assert.equal((await from(server.port, '127.0.0.2', ['X-Forwarded-For: 203.0.113.77', `X-API-Key: ${KEY}`])).status, 429)
  })
})

describe('the limiter itself', () => {
  it('keeps addresses and times only, forgets the stalest beyond its bound, and its window slides', () => {
    let now = 1_000_000
    const limiter = new FailureLimiter(() => now)
    for (let i = 0; i < 3; i++) limiter.fail('192.0.2.1', 3, 60_000)
    assert.equal(limiter.retryAfter('192.0.2.1', 3, 60_000), 60)
    now += 30_000
    assert.equal(limiter.retryAfter('192.0.2.1', 3, 60_000), 30)
    assert.equal(limiter.retryAfter('192.0.2.1', 4, 60_000), 0, 'a higher limit from a reload applies at once')
    now += 30_001
    assert.equal(limiter.retryAfter('192.0.2.1', 3, 60_000), 0)
    for (let i = 0; i < 10_050; i++) limiter.fail(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 3, 60_000)
    assert.equal(limiter.size, 10_000)
  })
})
