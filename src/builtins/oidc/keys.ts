import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose'
import type { OidcConfig } from './config.ts'

/**
 * The identity provider's signing keys. Discovery (`{issuer}/.well-known/openid-configuration`,
 * whose `issuer` must be the configured one) and the JWKS are fetched at startup and again
 * every `jwks_refresh_secs` in the background; an unknown `kid` may trigger one more fetch per
 * cooldown (the JWKS alone, from the jwks_uri discovery gave), so a rotated key is picked up
 * quickly while a storm of made-up kids cannot hammer the provider. A failed fetch (timeout,
 * 5xx, a redirect, HTML, bad JSON, a discovery document for another issuer) keeps the last good keys verifying and is logged; with no
 * keys at all the caller answers 503, and fetches are retried with backoff until one works.
 * Keys are only ever taken from the provider's JWKS: never from a token's `jku`, `x5u`,
 * `jwk` or `x5c` header (jose looks at none of them).
 */
export class KeyStore {
  #keys: JWTVerifyGetKey | null = null
  /** From the last good discovery document: an unknown kid refetches only this. */
  #jwksUri: string | null = null
  #loadedAt = 0
  #lastError: string | null = null
  #lastLogged: string | null = null
  /** When the next fetch may happen on its own (background refresh or retry). */
  #nextAttempt = 0
  #retryMs = 1000
  #lastKidFetch = -Infinity
  #inFlight: Promise<boolean> | null = null
  #timer: NodeJS.Timeout | null = null
  #stopped = false
  #attempted = false

  constructor(
    private readonly config: OidcConfig,
    private readonly log: (message: string) => void,
  ) {}

  /** The keys to verify with, or null when none could be had yet. */
  get keys(): JWTVerifyGetKey | null {
    return this.#keys
  }

  get ready(): boolean {
    return this.#keys !== null
  }

  get lastError(): string | null {
    return this.#lastError
  }

  /** Seconds until the next fetch: `Retry-After` for a 503 while there are no keys. */
  get retryAfter(): number {
    return Math.max(1, Math.ceil((this.#nextAttempt - Date.now()) / 1000))
  }

  /** The first fetch (no schedule yet: a config being checked may never come into force). Resolves with whether keys were loaded. */
  load(): Promise<boolean> {
    this.#attempted = true
    return this.refresh()
  }

  /** Whether load() was ever called: a store kept across a reload is not fetched again. */
  get attempted(): boolean {
    return this.#attempted
  }

  /** The background refresh (or retries, while there are no keys), from now on. Once only. */
  run(): void {
    if (this.#timer || this.#stopped) return
    this.schedule()
  }

  stop(): void {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  /**
   * A token named a key we do not have: fetch again, at most once per cooldown (the answer
   * is false, and nothing is fetched, inside it). Concurrent asks share one fetch.
   */
  async refreshForUnknownKid(): Promise<boolean> {
    const now = Date.now()
    if (this.#inFlight) return this.#inFlight
    if (now - this.#lastKidFetch < this.config.jwksCooldownSecs * 1000) return false
    this.#lastKidFetch = now
    return this.refresh(false)
  }

  /**
   * Fetches discovery and the JWKS (or, with `rediscover` false and a known jwks_uri, the JWKS
   * alone: one request to the provider); keeps the old keys on failure. Concurrent calls share one fetch.
   */
  refresh(rediscover = true): Promise<boolean> {
    this.#inFlight ??= this.fetchKeys(rediscover).finally(() => (this.#inFlight = null))
    return this.#inFlight
  }

  private async fetchKeys(rediscover: boolean): Promise<boolean> {
    try {
      let jwksUri = rediscover ? null : this.#jwksUri
      if (jwksUri === null) {
        const discovery = await this.getJson(`${this.config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
        if (discovery.issuer !== this.config.issuer) throw new Error(`the discovery document names another issuer (${String(discovery.issuer).slice(0, 200)})`)
        if (typeof discovery.jwks_uri !== 'string') throw new Error('the discovery document has no jwks_uri')
        jwksUri = discovery.jwks_uri
      }
      const jwks = await this.getJson(jwksUri)
      if (!Array.isArray(jwks.keys)) throw new Error('the JWKS has no "keys" list')
      this.#keys = createLocalJWKSet(jwks as unknown as JSONWebKeySet)
      this.#jwksUri = jwksUri
      this.#loadedAt = Date.now()
      this.#retryMs = 1000
      if (this.#lastError !== null) this.log(`dataserve: oidc: keys of ${this.config.issuer} loaded again`)
      this.#lastError = null
      this.#lastLogged = null
      return true
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${this.config.httpTimeoutSecs} s` : cause ? `${(error as Error).message} (${cause})` : (error as Error).message
      this.#lastError = reason
      if (reason !== this.#lastLogged) {
        this.log(`dataserve: oidc: cannot fetch the keys of ${this.config.issuer}: ${reason}${this.#keys ? ' (the last good keys keep verifying)' : this.config.startDegraded ? ' (JWT requests get 503 until they load)' : ''}`)
        this.#lastLogged = reason
      }
      return false
    }
  }

  /** A JSON object over HTTP GET: 200 only (no redirects followed), within the time limit. */
  private async getJson(url: string): Promise<Record<string, unknown>> {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(this.config.httpTimeoutSecs * 1000), headers: { accept: 'application/json' } })
    if (response.status !== 200) {
      await response.body?.cancel()
      throw new Error(`${url} answered ${response.status}`)
    }
    const text = await response.text()
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new Error(`${url} did not answer JSON`)
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${url} did not answer a JSON object`)
    return value as Record<string, unknown>
  }

  /** Next fetch: the refresh interval when keys are loaded, else a backoff of 1 s, 2 s, 4 s… up to 60 s. */
  private schedule(): void {
    if (this.#stopped) return
    const delay = this.#keys ? this.config.jwksRefreshSecs * 1000 : this.#retryMs
    if (!this.#keys) this.#retryMs = Math.min(this.#retryMs * 2, 60_000)
    this.#nextAttempt = Date.now() + delay
    this.#timer = setTimeout(() => {
      void this.refresh().then(() => this.schedule())
    }, delay)
    // The refresh timer does not keep the process alive.
    this.#timer.unref()
  }

  /** When the keys in use were fetched (ms since the epoch), 0 when never. */
  get loadedAt(): number {
    return this.#loadedAt
  }
}
