import { hash } from 'node:crypto'

/**
 * SHA-256 digest, for comparing secrets in constant time (hash both sides, then
 * timingSafeEqual). One-shot `crypto.hash` rather than `createHash()`: a Hash object is a
 * native handle the garbage collector must finalise, and one per request cost token
 * requests about 5 % of their throughput under load.
 */
export function sha256(data: string | Buffer): Buffer {
  return hash('sha256', data, 'buffer')
}
