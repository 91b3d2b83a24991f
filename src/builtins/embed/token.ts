import { createHmac, timingSafeEqual } from 'node:crypto'

/** What an embed link locks: the page, the parameters the viewer cannot change, who it acts as, until when. */
export interface EmbedGrant {
  /** The path, exactly as requested (`/sales/orders`). */
  path: string
  /** Locked query parameters, in order: each name's values must be exactly these. */
  locked: [string, string][]
  /** The actor id it acts as, or null for anonymous. */
  actor: string | null
  /** Unix seconds, or null for no expiry (only where the config allows none). */
  expires: number | null
}

const VERSION = 'e1'
const MAX_LENGTH = 8192

/** `e1.<key id>.<payload>.<signature>`: HMAC-SHA256 over everything before the signature. */
export function signEmbed(key: { id: string; key: Buffer }, grant: EmbedGrant): string {
  const payload = Buffer.from(JSON.stringify({ p: grant.path, l: grant.locked, a: grant.actor, e: grant.expires })).toString('base64url')
  const head = `${VERSION}.${key.id}.${payload}`
  return `${head}.${createHmac('sha256', key.key).update(head).digest('base64url')}`
}

/**
 * The grant of a token signed with one of `keys`, or null for anything else: garbage, a
 * token of another server or an old secret no longer configured, non-ASCII, too long.
 * The signature is compared in constant time over equal-length digests.
 */
export function verifyEmbed(keys: readonly { id: string; key: Buffer }[], token: string): EmbedGrant | null {
  if (token.length > MAX_LENGTH || !/^[A-Za-z0-9._-]+$/.test(token)) return null
  const parts = token.split('.')
  if (parts.length !== 4 || parts[0] !== VERSION) return null
  const key = keys.find((candidate) => candidate.id === parts[1])
  if (!key) return null
  const expected = createHmac('sha256', key.key).update(`${parts[0]}.${parts[1]}.${parts[2]}`).digest()
  const given = Buffer.from(parts[3]!, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(parts[2]!, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  const { p, l, a, e } = (payload ?? {}) as Record<string, unknown>
  if (typeof p !== 'string' || !Array.isArray(l) || !l.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every((x) => typeof x === 'string'))) return null
  if (a !== null && typeof a !== 'string') return null
  if (e !== null && (typeof e !== 'number' || !Number.isFinite(e))) return null
  return { path: p, locked: l as [string, string][], actor: a as string | null, expires: e as number | null }
}
