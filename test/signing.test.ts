import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { BadSignatureError, sign, unsign } from '../src/signing.ts'

// Tokens minted by Datasette 1.0a37 (copied from shared/vectors).
const vectors = JSON.parse(readFileSync(new URL('./fixtures/datasette-signed-tokens.json', import.meta.url), 'utf8'))
const { secret, namespace, prefix } = vectors as { secret: string; namespace: string; prefix: string }

describe("signing: byte-compatible with Datasette's signer", () => {
  for (const vector of vectors.valid as { token: string; payload: unknown; compressed: boolean; args: string[] }[]) {
    it(`verifies and re-mints byte for byte: ${vector.args.join(' ')}${vector.compressed ? ' (compressed)' : ''}`, () => {
      const signed = vector.token.slice(prefix.length)
      assert.deepEqual(unsign(signed, secret, namespace), vector.payload)
      assert.equal(prefix + sign(vector.payload, secret, namespace), vector.token)
    })
  }

  const badSignatures = (vectors.invalid as { why: string; token: string }[]).filter((v) => /signature|secret|namespace/.test(v.why))
  it('there are bad-signature vectors to check', () => assert.ok(badSignatures.length >= 4))
  for (const vector of badSignatures) {
    it(`rejects: ${vector.why}`, () => {
      assert.throws(() => unsign(vector.token.slice(prefix.length), secret, namespace), BadSignatureError)
    })
  }

  it('rejects values without a signature, with a truncated one, or with garbage', () => {
    for (const bad of ['', 'nodot', '.', 'abc.', 'eyJhIjoxfQ.short', '..', 'é.é', 'x'.repeat(10000)]) {
      assert.throws(() => unsign(bad, secret, namespace), BadSignatureError, JSON.stringify(bad.slice(0, 20)))
    }
  })

  it('a correct signature over a payload that is not JSON is rejected, not thrown as a crash', () => {
    const notJson = Buffer.from('not json').toString('base64url')
    const forged = sign('x', secret, namespace).replace(/^[^.]+/, notJson)
    assert.throws(() => unsign(forged, secret, namespace), BadSignatureError)
  })

  it('round-trips values in the default namespace, and namespaces do not mix', () => {
    const signed = sign({ hello: 'wörld', n: [1, 2] }, 'k')
    assert.deepEqual(unsign(signed, 'k'), { hello: 'wörld', n: [1, 2] })
    assert.throws(() => unsign(signed, 'k', 'other'), BadSignatureError)
  })
})
