import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type CryptoKey as JoseKey } from 'jose'
import { BoundedMap, HttpError, TokenInvalidError, type Actor } from '../../plugin-api.ts'
import type { OidcConfig } from './config.ts'
import { resolvePointer } from './json-pointer.ts'
import type { KeyStore } from './keys.ts'

/** Longer than any access token an identity provider mints: refused before any work. */
const MAX_TOKEN_BYTES = 8 * 1024
/** RFC 9068's `at+jwt` (in either spelling), plain `JWT`, or no `typ` at all. */
const ACCEPTED_TYP = new Set(['at+jwt', 'application/at+jwt', 'jwt'])
const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
const JWE_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/**
 * Is this bearer value a JWT (three base64url parts, or a five-part JWE), with a JSON header
 * that names an algorithm? Only then is it this plugin's to accept or refuse: `dstok_…`,
 * managed and static tokens are the tokens plugin's.
 */
export function looksLikeJwt(token: string): boolean {
  if (!JWS_SHAPE.test(token) && !JWE_SHAPE.test(token)) return false
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as unknown
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string'
  } catch {
    return false
  }
}

interface Verified {
  /** The actor as JSON: each use gets its own copy. */
  actor: string
  exp: number
}

/**
 * Verifies access tokens against the identity provider's keys, and turns their claims into
 * actors. A verified token is remembered, by its whole text, until it expires.
 */
export class JwtVerifier {
  readonly #verified = new BoundedMap<string, Verified>(1000)

  constructor(
    private readonly config: OidcConfig,
    private readonly keys: KeyStore,
  ) {}

  /**
   * The actor of a token verified before, without looking at it again (the common case: a
   * client sends the same token until it expires); undefined when it is not remembered.
   */
  remembered(token: string): Actor | undefined {
    const known = this.#verified.get(token)
    if (!known) return undefined
    if (known.exp > Date.now() / 1000 - this.config.leewaySecs) return JSON.parse(known.actor) as Actor
    this.#verified.delete(token)
    throw new TokenInvalidError('Token has expired')
  }

  /** The actor of a valid token; TokenInvalidError (401) otherwise; 503 while there are no keys. */
  async verify(token: string): Promise<Actor> {
    const known = this.remembered(token)
    if (known) return known
    const now = Date.now() / 1000
    if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) throw new TokenInvalidError('Token too long')
    if (JWE_SHAPE.test(token)) throw new TokenInvalidError('Encrypted tokens (JWE) are not accepted')
    const header = this.header(token)
    const payload = await this.checkSignature(token, header)
    this.checkClaims(payload, now)
    const actor = this.actor(payload)
    this.#verified.set(token, { actor: JSON.stringify(actor), exp: payload.exp as number })
    return actor
  }

  private header(token: string) {
    let header
    try {
      header = decodeProtectedHeader(token)
    } catch {
      throw new TokenInvalidError('Malformed token')
    }
    if (header.typ !== undefined && (typeof header.typ !== 'string' || !ACCEPTED_TYP.has(header.typ.toLowerCase()))) throw new TokenInvalidError('Unexpected token type (typ)')
    if (header.kid !== undefined && (typeof header.kid !== 'string' || header.kid.length > 256)) throw new TokenInvalidError('Invalid key id (kid)')
    if (typeof header.alg !== 'string' || !this.config.algorithms.includes(header.alg)) throw new TokenInvalidError('Token signed with an algorithm that is not allowed')
    return header
  }

  /** The signature, with the provider's keys: an unknown kid may fetch them again (once per cooldown). */
  private async checkSignature(token: string, header: { kid?: string }): Promise<JWTPayload> {
    for (let attempt = 0; ; attempt++) {
      const keys = this.keys.keys
      if (!keys) throw new HttpError(503, 'The identity provider\'s keys are not available yet; try again shortly', { 'Retry-After': String(this.keys.retryAfter) })
      try {
        return await this.verifyWith(token, keys)
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey && header.kid !== undefined && attempt === 0 && (await this.keys.refreshForUnknownKid())) continue
        throw invalid(error)
      }
    }
  }

  /** jwtVerify, trying each key of the token's algorithm when it names no kid and several match. */
  private async verifyWith(token: string, keys: JWTVerifyGetKey): Promise<JWTPayload> {
    const options = {
      issuer: this.config.issuer,
      audience: this.config.audience === '' ? undefined : this.config.audience,
      algorithms: this.config.algorithms,
      clockTolerance: this.config.leewaySecs,
      requiredClaims: ['exp'],
    }
    try {
      return (await jwtVerify(token, keys, options)).payload
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error
      let last: unknown = error
      for await (const key of error as unknown as AsyncIterable<JoseKey>) {
        try {
          return (await jwtVerify(token, key, options)).payload
        } catch (failure) {
          last = failure
          if (!(failure instanceof errors.JWSSignatureVerificationFailed)) break
        }
      }
      throw last
    }
  }

  /** What jose leaves to us: `exp` a finite number, `iat` not in the future. */
  private checkClaims(payload: JWTPayload, now: number): void {
    if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) throw new TokenInvalidError('Token has no valid expiry (exp)')
    if (payload.iat !== undefined && (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat) || payload.iat > now + this.config.leewaySecs)) {
      throw new TokenInvalidError('Token issued in the future (iat)')
    }
  }

  /** `{"id", "auth": "oidc", "iss", "scopes", "tenant"?}` from the verified claims only. */
  private actor(payload: JWTPayload): Actor {
    const claims = payload as Record<string, unknown>
    const id = [claims.sub, claims.client_id, claims.azp].find((value): value is string => typeof value === 'string' && value !== '')
    if (id === undefined) throw new TokenInvalidError('Token names no subject (sub, client_id or azp)')
    const actor: Actor = { id, auth: 'oidc', iss: claims.iss, scopes: scopesOf(claims) }
    if (this.config.tenantClaim) {
      const tenant = resolvePointer(claims, this.config.tenantClaim)
      if (typeof tenant === 'string' || typeof tenant === 'number' || typeof tenant === 'boolean') actor.tenant = String(tenant)
    }
    return actor
  }
}

/** `scope` (space-separated) or `scp` (a string or a list), case-sensitive, without repeats. */
function scopesOf(claims: Record<string, unknown>): string[] {
  const scopes: string[] = []
  const add = (value: unknown) => {
    if (typeof value === 'string') scopes.push(...value.split(' ').filter(Boolean))
    else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string' && item !== '') scopes.push(item)
  }
  add(claims.scope)
  add(claims.scp)
  return [...new Set(scopes)]
}

/** Any failure to verify, as a 401 that says what, never echoing the token's contents. */
function invalid(error: unknown): TokenInvalidError {
  if (error instanceof TokenInvalidError) return error
  if (error instanceof errors.JWTExpired) return new TokenInvalidError('Token has expired')
  if (error instanceof errors.JWTClaimValidationFailed) return new TokenInvalidError(`Token rejected: ${error.claim} claim`)
  if (error instanceof errors.JWKSNoMatchingKey) return new TokenInvalidError('Token signed with an unknown key')
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenInvalidError('Invalid token signature')
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenInvalidError('Token signed with an algorithm that is not allowed')
  if (error instanceof errors.JOSENotSupported) return new TokenInvalidError('Token uses something this server does not support')
  if (error instanceof TypeError && /modulusLength/.test(error.message)) return new TokenInvalidError('Token signed with a key that is too weak')
  return new TokenInvalidError('Invalid token')
}
