import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { BoundedMap } from './util/bounded-map.ts'
import { sha256 } from './util/sha256.ts'
import { inflateSync } from 'node:zlib'
import { deflate } from 'pako'

/**
 * Signed values in the format Datasette uses (itsdangerous' URLSafeSerializer): compact
 * JSON, zlib-compressed when that is shorter (marked by a leading '.'), base64url without
 * padding, then '.' and an HMAC-SHA1 keyed by sha1(namespace + "signer" + secret). Values
 * signed by Datasette with the same secret verify here and the other way round.
 */

export class BadSignatureError extends Error {
  override name = 'BadSignatureError'
}

export function sign(value: unknown, secret: string, namespace = 'default'): string {
  const json = Buffer.from(JSON.stringify(value), 'utf8')
  // pako reproduces the reference zlib's output byte for byte; Node's bundled zlib (a
  // Chromium fork) compresses differently, which would break byte-identical tokens.
  const compressed = Buffer.from(deflate(json))
  const payload = compressed.length < json.length - 1 ? '.' + compressed.toString('base64url') : json.toString('base64url')
  return `${payload}.${signature(payload, secret, namespace)}`
}

/**
 * The value `signed` holds, when its signature was made with `secret` or, for a list, any of
 * the secrets (newest first: secret rotation signs with the first and still accepts the others).
 */
export function unsign(signed: string, secret: string | readonly string[], namespace = 'default'): unknown {
  const dot = signed.lastIndexOf('.')
  if (dot <= 0) throw new BadSignatureError('No signature found')
  const payload = signed.slice(0, dot)
  const given = sha256(Buffer.from(signed.slice(dot + 1), 'utf8'))
  let matched = false
  // Every secret is tried, so the time taken does not say which one matched.
  for (const candidate of typeof secret === 'string' ? [secret] : secret) {
    // Compare digests of both sides so the comparison takes the same time whatever the lengths.
    if (timingSafeEqual(given, sha256(Buffer.from(signature(payload, candidate, namespace), 'utf8')))) matched = true
  }
  if (!matched) throw new BadSignatureError('Signature does not match')
  try {
    const compressed = payload.startsWith('.')
    const bytes = Buffer.from(compressed ? payload.slice(1) : payload, 'base64url')
    return JSON.parse((compressed ? inflateSync(bytes, { maxOutputLength: 1 << 20 }) : bytes).toString('utf8'))
  } catch {
    throw new BadSignatureError('Could not load the signed payload')
  }
}

/** Derived keys by namespace and secret: deriving costs a hash per token otherwise. */
const keys = new BoundedMap<string, Buffer>(64)

function signature(payload: string, secret: string, namespace: string): string {
  const id = `${namespace}\0${secret}`
  let key = keys.get(id)
  if (!key) {
    key = createHash('sha1').update(namespace).update('signer').update(secret).digest()
    keys.set(id, key)
  }
  return createHmac('sha1', key).update(payload).digest('base64url')
}

