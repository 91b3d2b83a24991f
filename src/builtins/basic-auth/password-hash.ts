import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/**
 * Password hashes in the PHC string format, `$scrypt$ln=16,r=8,p=1$<salt>$<hash>` (salt and
 * hash in unpadded base64), so the parameters travel with the hash and can be raised later
 * without breaking old hashes. scrypt is in node:crypto and runs on libuv's thread pool: a
 * verification never holds the event loop.
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number
  r: number
  p: number
}

/** N = 2^16, r = 8: 64 MiB and about a tenth of a second per verification on a laptop core. */
export const DEFAULT_PARAMS: ScryptParams = { ln: 16, r: 8, p: 1 }
const KEY_LENGTH = 32
const SALT_LENGTH = 16
/** Outside this, a hash string is refused at startup: too weak to be meant, or so costly it is a denial of service. */
const LN_RANGE = [10, 20] as const

export interface PasswordHash {
  params: ScryptParams
  salt: Buffer
  hash: Buffer
}

const PATTERN = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/

/** Whether a configured password is meant as a hash (then it must parse; a typo must not become a plain password). */
export const looksLikeHash = (value: string) => value.startsWith('$scrypt$')

/** The parsed hash, or a sentence saying what is wrong with it. */
export function parsePasswordHash(value: string): PasswordHash | string {
  const match = PATTERN.exec(value)
  if (!match) return 'expected a hash made by `dataserve hash-password` ($scrypt$ln=…,r=…,p=…$salt$hash)'
  const params = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) }
  if (params.ln < LN_RANGE[0] || params.ln > LN_RANGE[1]) return `ln must be between ${LN_RANGE[0]} and ${LN_RANGE[1]}`
  if (params.r < 1 || params.p < 1 || params.r * params.p > 32) return 'r and p must be at least 1 (and r·p at most 32)'
  const salt = Buffer.from(match[4]!, 'base64')
  const hash = Buffer.from(match[5]!, 'base64')
  if (hash.length !== KEY_LENGTH) return `the hash must be ${KEY_LENGTH} bytes`
  return { params, salt, hash }
}

export function formatPasswordHash({ params, salt, hash }: PasswordHash): string {
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '')
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`
}

/** scrypt of `password` (NFC: the same word typed on any system) with these parameters and salt. */
export function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.ln
  // Node refuses above maxmem (32 MiB by default); scrypt needs 128·N·r bytes, plus room.
  const maxmem = 128 * N * params.r * params.p + 16 * 1024 * 1024
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { N, r: params.r, p: params.p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_LENGTH)
  return formatPasswordHash({ params, salt, hash: await derive(password, salt, params) })
}

/** Constant-time: the derived key is compared whole, whatever the password. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  return timingSafeEqual(await derive(password, stored.salt, stored.params), stored.hash)
}
