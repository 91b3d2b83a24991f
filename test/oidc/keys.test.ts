// The identity provider's keys: startup with the IdP down (both ways), rotation, a storm of
// made-up kids, and every way a fetch can fail while the last good keys keep verifying.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { getJson, runCli } from '../helpers.ts'
import { bearer, oidcFiles, oidcServer } from './fixtures.ts'
import { TestIssuer, unsigned } from './issuer.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await sleep(100)
  }
}

describe('OIDC: the identity provider being down', () => {
  it('start_degraded (the default): the server starts; JWTs get 503 with Retry-After, /readyz 503; probes answer; once the keys load, all is well', async () => {
    const issuer = await TestIssuer.start()
    const token = await issuer.token()
    await issuer.setDown(true)
    const server = await oidcServer(issuer.url, {}, 'allow: true\n')
    const refused = await getJson(server, '/sales/orders.json', bearer(token))
    assert.equal(refused.status, 503)
    assert.ok(Number(refused.headers.get('retry-after')) >= 1)
    const ready = await getJson(server, '/readyz')
    assert.equal(ready.status, 503)
    assert.equal(ready.body.checks[0].component, 'oidc')
    for (const probe of ['/healthz', '/-/health.json']) assert.equal((await getJson(server, probe)).status, 200, probe)
    assert.equal((await getJson(server, '/sales/orders.json')).status, 200, 'public data stays public')
    await issuer.setDown(false)
    await until(async () => (await getJson(server, '/readyz')).status === 200)
    assert.equal((await getJson(server, '/sales/orders.json', bearer(token))).status, 200)
  })

  it('start_degraded: false refuses to start, naming the issuer', async () => {
    const issuer = await TestIssuer.start()
    await issuer.setDown(true)
    const { db, config } = oidcFiles(issuer.url, { start_degraded: false })
    const run = runCli([db, '-c', config, '--port', '0'])
    assert.equal(await run.exited, 1)
    assert.match(run.stderr(), new RegExp(`cannot start: .*cannot fetch the keys of ${issuer.url.replace(/[.:/]/g, '\\$&')}`))
    assert.doesNotMatch(run.stderr(), /\n\s+at /)
  })

  it('a discovery document naming another issuer is a failed fetch: no keys are taken from it', async () => {
    const issuer = await TestIssuer.start()
    issuer.fault = 'wrong-issuer'
    const { db, config } = oidcFiles(issuer.url, { start_degraded: false })
    const run = runCli([db, '-c', config, '--port', '0'])
    assert.equal(await run.exited, 1)
    assert.match(run.stderr(), /cannot start: .*the discovery document names another issuer \(https:\/\/evil\.example\)/)
    assert.deepEqual(issuer.requests, ['/.well-known/openid-configuration'], 'the JWKS it named was never fetched')
  })

  it('a hanging identity provider: each fetch has a time limit, so no request waits for it', async () => {
    const issuer = await TestIssuer.start()
    issuer.fault = 'hang'
    const started = Date.now()
    const server = await oidcServer(issuer.url, { http_timeout_secs: 1 })
    assert.ok(Date.now() - started < 5000, 'startup did not hang')
    const { status } = await getJson(server, '/sales/orders.json', bearer(await issuer.token()))
    assert.equal(status, 503)
  })
})

describe('OIDC: keys that change', () => {
  it('a storm of 1,000 requests with 200 random kids makes one request to the provider (the JWKS, once per cooldown)', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url)
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token()))).status, 200)
    const before = issuer.requests.length
    const now = Math.floor(Date.now() / 1000)
    const claims = { iss: issuer.url, sub: 'x', aud: 'api://dataserve', exp: now + 300, scope: 'datasets:read' }
    const kids = Array.from({ length: 200 }, () => randomUUID())
    const statuses = new Map<number, number>()
    await Promise.all(
      Array.from({ length: 10 }, async (_, worker) => {
        for (let i = worker; i < 1000; i += 10) {
          const { status } = await getJson(server, '/sales/orders.json', bearer(unsigned({ alg: 'RS256', kid: kids[i % 200] }, claims)))
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
        }
      }),
    )
    assert.deepEqual([...statuses], [[401, 1000]])
    assert.deepEqual(issuer.requests.slice(before), ['/jwks'], 'one JWKS fetch, no rediscovery')
  })

  it('a rotated key is picked up within one cooldown', async () => {
    const issuer = await TestIssuer.start()
    const server = await oidcServer(issuer.url, { jwks_cooldown_secs: 2 })
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token()))).status, 200)
    const kid = await issuer.addKey('RS256', 'rotated')
    issuer.rotate()
    const fresh = await issuer.token({ kid })
    const started = Date.now()
    await until(async () => (await getJson(server, '/sales/orders.json', bearer(fresh))).status === 200, 5000)
    assert.ok(Date.now() - started < 4000, 'within one cooldown (2 s) and a fetch')
    assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token()))).status, 200, 'the default key signs with the new kid too')
  })

  // (A refresh after an unknown kid fetches the JWKS alone, so a wrong discovery issuer is tested at startup.)
  for (const fault of ['500', 'html', 'badjson', 'redirect', 'down', 'hang'] as const) {
    it(`a failed refresh (${fault}) keeps the last good keys verifying, and /readyz stays 200`, async () => {
      const issuer = await TestIssuer.start()
      const server = await oidcServer(issuer.url, { jwks_cooldown_secs: 1, http_timeout_secs: 1 })
      const token = await issuer.token()
      assert.equal((await getJson(server, '/sales/orders.json', bearer(token))).status, 200)
      if (fault === 'down') await issuer.setDown(true)
      else issuer.fault = fault
      // An unknown kid makes the store fetch again, and fail.
      const fetches = issuer.keyFetches
      assert.equal((await getJson(server, '/sales/orders.json', bearer(await issuer.token({ kid: 'unknown' }).catch(() => unsigned({ alg: 'RS256', kid: 'unknown' }, {}))))).status, 401)
      if (fault !== 'down') assert.ok(issuer.keyFetches > fetches, 'it did try')
      const other = await issuer.token({ claims: { sub: 'someone-else' } })
      assert.equal((await getJson(server, '/sales/orders.json', bearer(other))).status, 200, 'a token never seen before verifies with the last good keys')
      assert.equal((await getJson(server, '/readyz')).status, 200)
    })
  }
})
