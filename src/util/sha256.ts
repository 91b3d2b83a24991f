import { hash, timingSafeEqual } from 'node:crypto'

/**
 * SHA-256 digest, for comparing secrets in constant time (hash both sides, then
 * timingSafeEqual). One-shot `crypto.hash` rather than `createHash()`: a Hash object is a
 * native handle the garbage collector must finalise, and one per request cost token
 * requests about 5 % of their throughput under load.
 */
export function sha256(data: string | Buffer): Buffer {
  return hash('sha256', data, 'buffer')
}

/**
 * Whether two secrets are equal, in time that depends on neither their contents nor their
 * lengths: both are hashed, and the digests compared with timingSafeEqual.
 *
 * @example
 * if (!secretEquals(request.headers.get('x-api-key') ?? '', configuredKey)) throw new TokenInvalidError()
 */
export function secretEquals(given: string | Buffer, expected: string | Buffer): boolean {
  return timingSafeEqual(sha256(given), sha256(expected))
}
