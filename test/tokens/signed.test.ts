import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, describe, it } from 'node:test'
import { actorFromPayload, mintSignedToken, signedTokenHandler } from '../../src/builtins/tokens/signed-handler.ts'
import { createDataserve } from '../../src/server.ts'
import { TokenRestrictions } from '../../src/token-restrictions.ts'

const vectors = JSON.parse(readFileSync(new URL('../fixtures/datasette-signed-tokens.json', import.meta.url), 'utf8'))

async function dsWith(secret: string, overrides: [string, string][] = []) {
  const ds = await createDataserve({ secret, overrides, notice: () => {} })
  after(() => ds.close())
  return ds
}

describe("signed tokens: Datasette's vectors", () => {
  for (const vector of vectors.valid as { token: string; payload: any; args: string[] }[]) {
    it(`verifies ${vector.args.slice(1, 4).join(' ')}… at its own clock and re-mints it byte for byte`, async () => {
      const ds = await dsWith(vectors.secret)
      const handler = signedTokenHandler(() => vector.payload.t)
      const actor = await handler.verifyToken(ds, vector.token)
      const expected: Record<string, unknown> = { id: vector.payload.a, token: 'dstok' }
      if (vector.payload._r) expected._r = vector.payload._r
      if (vector.payload.d) expected.token_expires = vector.payload.t + vector.payload.d
      assert.deepEqual(actor, expected)
      assert.equal(mintSignedToken(ds, vector.payload), vector.token)
    })
  }

  for (const vector of vectors.invalid as { why: string; token: string }[]) {
    it(`rejects: ${vector.why}`, async () => {
      const ds = await dsWith(vectors.secret)
      const handler = signedTokenHandler(() => 1795425900)
      await assert.rejects(async () => handler.verifyToken(ds, vector.token), { name: 'TokenInvalidError', status: 401 })
    })
  }

  it('createToken mints the same bytes as Datasette for the same actor, time, expiry and restrictions', async () => {
    const ds = await dsWith(vectors.secret)
    const carol = (vectors.valid as any[]).find((v) => v.payload.a === 'carol')
    const handler = signedTokenHandler(() => carol.payload.t + 0.4)
    const restrictions = new TokenRestrictions()
      .allowAll('view-instance')
      .allowAll('view-database')
      .allowDatabase('bench', 'view-table')
      .allowDatabase('bench', 'execute-sql')
      .allowResource('bench', 'items', 'view-table')
      .allowResource('bench', 'items', 'ir')
      .allowResource('other', 'logs', 'view-table')
    assert.equal(await handler.createToken(ds, 'carol', { expiresAfter: 86400, restrictions }), carol.token)
  })
})

describe('signed tokens: expiry and settings', () => {
  it('expires after d seconds, on an injected clock', async () => {
    const ds = await dsWith('s')
    let now = 1_000_000
    const handler = signedTokenHandler(() => now)
    const token = await handler.createToken(ds, 'alice', { expiresAfter: 60 })
    now += 60
    assert.equal((await handler.verifyToken(ds, token))!.id, 'alice')
    now += 1
    await assert.rejects(async () => handler.verifyToken(ds, token), /Token has expired/)
  })

  it('a token verified before is checked again: a tampered copy fails, and actors share no objects', async () => {
    const ds = await dsWith('s')
    const handler = signedTokenHandler()
    const token = await handler.createToken(ds, 'alice', { restrictions: new TokenRestrictions().allowAll('view-table') })
    const first = (await handler.verifyToken(ds, token))!
    ;(first._r as { a: string[] }).a.push('es')
    const second = (await handler.verifyToken(ds, token))!
    assert.deepEqual(second._r, { a: ['vt'] })
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'AB' : 'AA')
    await assert.rejects(async () => handler.verifyToken(ds, tampered), /Invalid token signature/)
  })

  it('max_signed_tokens_ttl caps tokens, including tokens with no expiry', async () => {
    const ds = await dsWith('s', [['settings.max_signed_tokens_ttl', '100']])
    let now = 5_000
    const handler = signedTokenHandler(() => now)
    const forever = await handler.createToken(ds, 'a', {})
    const long = await handler.createToken(ds, 'a', { expiresAfter: 10_000 })
    const plain = await (await dsWith('s')).createToken('a', {})
    now += 101
    await assert.rejects(async () => handler.verifyToken(ds, forever), /expired/)
    await assert.rejects(async () => handler.verifyToken(ds, long), /expired/)
    // a token minted elsewhere without expiry is capped when verified here too
    await assert.rejects(async () => signedTokenHandler(() => Date.now() / 1000 + 101).verifyToken(ds, plain), /expired/)
  })

  it('allow_signed_tokens off: no minting, and a presented one is a 401, not ignored', async () => {
    const ds = await dsWith('s', [['settings.allow_signed_tokens', 'false']])
    const token = mintSignedToken(ds, { a: 'alice', t: Math.floor(Date.now() / 1000) })
    await assert.rejects(ds.createToken('alice'), /not enabled/)
    await assert.rejects(async () => ds.verifyToken(token), /not enabled/)
  })

  it('a correctly signed token with a malformed payload is a 401', async () => {
    const ds = await dsWith('s')
    for (const payload of [[], 'x', { t: 1 }, { a: 'x' }, { a: 'x', t: 'now' }, { a: 'x', t: 1, d: 'long' }, { a: 'x', t: 1, _r: 'all' }]) {
      assert.throws(() => actorFromPayload(ds, payload, 2), { status: 401 }, JSON.stringify(payload))
    }
  })
})

describe('signed tokens: dated in the future', () => {
  it('a token whose t is beyond a minute ahead of the clock is a 401, also under max_signed_tokens_ttl', async () => {
    const ds = await dsWith('s', [['settings.max_signed_tokens_ttl', '3600']])
    const now = 1_800_000_000
    const handler = signedTokenHandler(() => now)
    const yearAhead = mintSignedToken(ds, { a: 'alice', t: now + 365 * 86400 })
    await assert.rejects(async () => handler.verifyToken(ds, yearAhead), { name: 'TokenInvalidError', message: /issued in the future/ })
    const skewed = mintSignedToken(ds, { a: 'alice', t: now + 30 })
    assert.equal((await handler.verifyToken(ds, skewed))?.id, 'alice', 'a little clock skew is tolerated')
  })
})

describe('secret rotation', () => {
  it('signs with the first secret and verifies tokens and cookies made with any of them', async () => {
    const old = await dsWith('old-secret')
    const oldToken = await old.createToken('alice')
    const oldCookie = old.sign({ a: { id: 'alice' } }, 'actor')
    const rotated = await createDataserve({ secret: ['new-secret', 'old-secret'], notice: () => {} })
    after(() => rotated.close())
    assert.equal((await rotated.verifyToken(oldToken))?.id, 'alice')
    assert.deepEqual(rotated.unsign(oldCookie, 'actor'), { a: { id: 'alice' } })
    const newToken = await rotated.createToken('bob')
    const fresh = await dsWith('new-secret')
    assert.equal((await fresh.verifyToken(newToken))?.id, 'bob', 'new tokens are signed with the first secret')
    await assert.rejects(async () => fresh.verifyToken(oldToken), { status: 401 }, 'dropping the old secret retires its tokens')
  })

  it('DATASERVE_SECRETS=new,old does the same; an empty entry stops startup', async () => {
    const { configuredSecrets } = await import('../../src/signing-secrets.ts')
    assert.deepEqual(configuredSecrets(undefined, { DATASERVE_SECRETS: 'new, old' }), ['new', 'old'])
    assert.deepEqual(configuredSecrets(['a', 'b'], { DATASERVE_SECRETS: 'x' }), ['a', 'b'], '--secret wins')
    assert.deepEqual(configuredSecrets(undefined, { DATASETTE_SECRET: 'd' }), ['d'])
    assert.equal(configuredSecrets(undefined, {}), undefined)
    assert.throws(() => configuredSecrets(undefined, { DATASERVE_SECRETS: 'new,,old' }), /DATASERVE_SECRETS: \(top level\): secret 2 is empty/)
  })
})
