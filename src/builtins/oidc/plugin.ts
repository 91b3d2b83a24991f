import { StartupError, TokenInvalidError, VERSION, definePlugin, secretEquals, type Actor, type Dataserve, type DataserveConfig, type TokenHandler } from '../../plugin-api.ts'
import { parseOidcConfig, type OidcConfig } from './config.ts'
import { KeyStore } from './keys.ts'
import { JwtVerifier, looksLikeJwt } from './verify.ts'

/** The actions a token with the read scopes may do. */
const READ_ACTIONS = new Set(['view-instance', 'view-database', 'view-table', 'view-query'])
/** The action of `POST /-/reload`, granted by `reload_scopes` or the admin token. */
const RELOAD_ACTION = 'reload-config'
const ADMIN_TOKEN_HEADER = 'x-admin-token'

interface OidcState {
  config: OidcConfig
  keys: KeyStore
  verifier: JwtVerifier
}

/** Per config generation: null when there is no `plugins.oidc` block or it says `enabled: false`. */
const states = new WeakMap<DataserveConfig, OidcState | null>()
/** The state of the config in force, per Dataserve: its key store is kept by a reload that leaves the provider alone. */
const inForce = new WeakMap<Dataserve, OidcState | null>()

const notice = (message: string) => process.stderr.write(message + '\n')

/** The state for the config `ds` shows (a request's, or the one a reload is checking). */
function stateOf(ds: Dataserve): OidcState | null {
  if (!states.has(ds.config)) {
    const config = parseOidcConfig(ds, notice)
    if (!config?.enabled) states.set(ds.config, null)
    else {
      const old = inForce.get(ds)
      const keys = old && sameProvider(old.config, config) ? old.keys : new KeyStore(config, notice)
      states.set(ds.config, { config, keys, verifier: new JwtVerifier(config, keys) })
    }
  }
  return states.get(ds.config)!
}

/** The key store depends on these only; audience, scopes and the rest may change under it. */
function sameProvider(a: OidcConfig, b: OidcConfig): boolean {
  return a.issuer === b.issuer && a.jwksRefreshSecs === b.jwksRefreshSecs && a.jwksCooldownSecs === b.jwksCooldownSecs && a.httpTimeoutSecs === b.httpTimeoutSecs
}

const hasAll = (have: unknown, wanted: readonly string[]) => Array.isArray(have) && wanted.every((scope) => have.includes(scope))

/** A valid token whose tenant is not on `allowed_tenants` (or that names none) may do nothing. */
function tenantAllowed(config: OidcConfig, actor: Actor): boolean {
  return config.allowedTenants.length === 0 || (typeof actor.tenant === 'string' && config.allowedTenants.includes(actor.tenant))
}

/** `X-Admin-Token` counts only when `admin_token` is set and `admin_token_fallback` is on. */
const adminTokenOf = (config: OidcConfig) => (config.adminTokenFallback ? config.adminToken : null)

function oidcHandler(state: OidcState): TokenHandler {
  return {
    name: 'oidc',
    // Tokens come from the identity provider: none are minted here.
    supports: {},
    createToken() {
      throw new Error('OIDC access tokens are minted by the identity provider, not by dataserve')
    },
    // A remembered token is a JWT already checked: skip even the shape test.
    verifyToken: (_ds, token) => state.verifier.remembered(token) ?? (looksLikeJwt(token) ? state.verifier.verify(token) : null),
  }
}

/**
 * OIDC / OAuth2 bearer JWTs from any standard identity provider, with DataPress's `[auth]`
 * keys: the JWT is verified against the issuer's published keys (jose does the
 * cryptography), and its claims become the actor. Tokens reach it through the tokens
 * plugin's bearer and query-string handling, as a token handler that claims JWT-shaped
 * values. `reload_scopes` and the admin token (`X-Admin-Token`) open `POST /-/reload`.
 */
export default definePlugin({
  name: 'dataserve.oidc',
  version: VERSION,
  hooks: {
    registerTokenHandler: ({ ds }) => {
      const state = stateOf(ds)
      return state ? oidcHandler(state) : null
    },
    registerCredentialHeaders: ({ ds }) => {
      const state = stateOf(ds)
      return state && adminTokenOf(state.config) ? [ADMIN_TOKEN_HEADER] : []
    },
    // Checks the block, and fetches the keys of a provider not used before (a reload that
    // keeps the issuer keeps the keys it has). Unreachable with start_degraded false: refused.
    prepareConfig: async ({ ds, reload }) => {
      const state = stateOf(ds)
      if (!state) {
        if (!reload && ds.pluginConfig('oidc') !== undefined) notice('dataserve: oidc: plugins.oidc has enabled: false: JWT bearer tokens are not accepted')
        return
      }
      if (state.keys.attempted) return
      const loaded = await state.keys.load()
      if (!loaded && !state.config.startDegraded) {
        throw new StartupError(`plugins.oidc: cannot fetch the keys of ${state.config.issuer} (${state.keys.lastError}); start_degraded is false`)
      }
    },
    startup: ({ ds }) => {
      const state = stateOf(ds)
      inForce.set(ds, state)
      state?.keys.run()
    },
    configReloaded: ({ ds }) => {
      const old = inForce.get(ds) ?? null
      const state = stateOf(ds)
      inForce.set(ds, state)
      if (old && old.keys !== state?.keys) old.keys.stop()
      state?.keys.run()
      if (old && !state) notice('dataserve: WARNING: plugins.oidc is gone or disabled after the reload: bearer JWTs are no longer accepted')
      else if (old && state && old.config.issuer !== state.config.issuer) notice(`dataserve: oidc: tokens now come from ${state.config.issuer}`)
    },
    listening: ({ ds }) => {
      const state = stateOf(ds)
      if (!state) return
      const keys = state.keys.ready ? 'keys loaded' : 'keys NOT loaded yet: JWT requests get 503 until they are'
      process.stdout.write(`dataserve: oidc: bearer JWTs from ${state.config.issuer} (${keys})\n`)
    },
    // The admin-token fallback: an actor that may reload the config, and nothing else.
    actorFromRequest: ({ ds, request }) => {
      const given = request.headers.get(ADMIN_TOKEN_HEADER)
      if (given === null) return null
      const state = stateOf(ds)
      const expected = state && adminTokenOf(state.config)
      if (!expected) return null
      if (!secretEquals(given, expected)) throw new TokenInvalidError('Invalid admin token')
      return { id: 'admin-token', auth: 'admin-token' }
    },
    permissionAllowed: ({ ds, actor, action }) => {
      const state = stateOf(ds)
      if (!state) return undefined
      if (actor === null) return state.config.anonymousRead && READ_ACTIONS.has(action) ? true : undefined
      if (actor.auth === 'admin-token') return action === RELOAD_ACTION && adminTokenOf(state.config) !== null ? true : undefined
      if (actor.auth !== 'oidc') return undefined
      if (!tenantAllowed(state.config, actor)) return false
      if (READ_ACTIONS.has(action)) return hasAll(actor.scopes, state.config.readScopes)
      if (action === RELOAD_ACTION && hasAll(actor.scopes, state.config.reloadScopes)) return true
      return undefined
    },
    forbidden: ({ ds, actor, action }) => {
      const state = stateOf(ds)
      if (!state) return null
      // RFC 6750: no credentials where a token would do → a challenge with no error attribute.
      if (actor === null) return { challenge: 'Bearer realm="dataserve"' }
      if (actor.auth !== 'oidc' || action === undefined || !tenantAllowed(state.config, actor)) return null
      const needed = READ_ACTIONS.has(action) ? state.config.readScopes : action === RELOAD_ACTION ? state.config.reloadScopes : null
      if (needed && !hasAll(actor.scopes, needed)) return { challenge: `Bearer realm="dataserve", error="insufficient_scope", scope="${needed.join(' ')}"` }
      return null
    },
    readiness: ({ ds }) => {
      const state = stateOf(ds)
      if (!state) return null
      return state.keys.ready
        ? { component: 'oidc', ready: true }
        : { component: 'oidc', ready: false, detail: `keys of ${state.config.issuer} not loaded: ${state.keys.lastError ?? 'fetching'}`, retryAfter: state.keys.retryAfter }
    },
    shutdown: ({ ds }) => {
      inForce.get(ds)?.keys.stop()
      inForce.delete(ds)
    },
  },
})
