import { BoundedMap, TokenInvalidError, type Actor, type Dataserve, type TokenHandler } from '../../plugin-api.ts'

export const SIGNED_PREFIX = 'dstok_'
const NAMESPACE = 'token'
/** Clock skew tolerated between the server that signed a token and this one. */
const FUTURE_LEEWAY_SECONDS = 60

/** The payload of a signed token, in Datasette's key order: actor, time, duration, restrictions. */
export interface SignedPayload {
  a: unknown
  t: number
  d?: number
  _r?: unknown
}

/**
 * Datasette's signed API tokens: `dstok_` + `ds.sign({a, t, d?, _r?}, "token")`, byte for
 * byte, so tokens move between Datasette and dataserve servers that share a secret.
 * `now` returns seconds; tests inject a clock.
 */
export function signedTokenHandler(now: () => number = () => Date.now() / 1000): TokenHandler {
  const verified = new VerifiedPayloads()
  return {
    name: 'signed',
    supports: { expiresAfter: true, restrictions: true },
    createToken(ds, actorId, { expiresAfter, restrictions }) {
      if (!ds.settings.allow_signed_tokens) throw new Error('Signed API tokens are not enabled (allow_signed_tokens)')
      const payload: SignedPayload = { a: actorId, t: Math.floor(now()) }
      const duration = cappedDuration(ds, expiresAfter)
      if (duration !== undefined) payload.d = duration
      if (restrictions && !restrictions.isEmpty()) payload._r = restrictions.abbreviated(ds)
      return mintSignedToken(ds, payload)
    },
    verifyToken(ds, token) {
      if (!token.startsWith(SIGNED_PREFIX)) return null
      if (!ds.settings.allow_signed_tokens) throw new TokenInvalidError('Signed API tokens are not enabled on this server')
      let payload = verified.get(token)
      if (payload === undefined) {
        try {
          payload = ds.unsign(token.slice(SIGNED_PREFIX.length), NAMESPACE)
        } catch {
          throw new TokenInvalidError('Invalid token signature')
        }
        verified.add(token, payload)
      }
      // Expiry and the payload's shape are checked on every use, cached or not.
      return actorFromPayload(ds, payload, now())
    },
  }
}

export function mintSignedToken(ds: Dataserve, payload: SignedPayload): string {
  return SIGNED_PREFIX + ds.sign(payload, NAMESPACE)
}

/** A verified payload becomes `{"id", "token": "dstok", "_r"?, "token_expires"?}`; anything malformed is a 401. */
export function actorFromPayload(ds: Dataserve, payload: unknown, nowSeconds: number): Actor {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new TokenInvalidError('Invalid token payload')
  const { a, t, d, _r } = payload as Record<string, unknown>
  if (typeof a !== 'string' || a === '') throw new TokenInvalidError('Invalid token: no actor')
  if (t === undefined) throw new TokenInvalidError('Invalid token: no timestamp')
  if (!Number.isInteger(t)) throw new TokenInvalidError('Invalid token: timestamp is not an integer')
  // A token dated in the future would outlive its expiry (and max_signed_tokens_ttl) by as much.
  if ((t as number) > nowSeconds + FUTURE_LEEWAY_SECONDS) throw new TokenInvalidError('Invalid token: issued in the future')
  if (d !== undefined && d !== null && (!Number.isInteger(d) || (d as number) < 0)) throw new TokenInvalidError('Invalid token: duration is not an integer')
  if (_r !== undefined && (typeof _r !== 'object' || _r === null || Array.isArray(_r))) throw new TokenInvalidError('Invalid token: bad restrictions')
  const duration = cappedDuration(ds, (d as number | null | undefined) ?? undefined)
  if (duration !== undefined && nowSeconds > (t as number) + duration) throw new TokenInvalidError('Token has expired')
  const actor: Actor = { id: a, token: 'dstok' }
  if (_r !== undefined) actor._r = _r
  if (duration !== undefined) actor.token_expires = (t as number) + duration
  return actor
}

/** `max_signed_tokens_ttl` caps every token's life, including tokens asked for with no expiry. */
function cappedDuration(ds: Dataserve, requested: number | undefined): number | undefined {
  const max = ds.settings.max_signed_tokens_ttl
  if (max > 0 && (requested === undefined || requested > max)) return max
  return requested
}

/**
 * Payloads of tokens whose signature checked out, by token. A signed token never changes
 * meaning (the secret is fixed for the process), so a client sending the same token on every
 * request pays for the HMAC once instead of each time (about 7 µs, 3 % of a table page).
 * Only verified tokens go in, so garbage cannot fill it; the least recently used makes way.
 */
class VerifiedPayloads {
  /** Token → payload as JSON text. */
  readonly #payloads = new BoundedMap<string, string>(1000)

  /** A fresh copy each time: actors built from it must not share objects across requests. */
  get(token: string): unknown {
    const json = this.#payloads.get(token)
    return json === undefined ? undefined : JSON.parse(json)
  }

  add(token: string, payload: unknown): void {
    this.#payloads.set(token, JSON.stringify(payload))
  }
}
