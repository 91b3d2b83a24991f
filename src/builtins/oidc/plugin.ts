import { StartupError, VERSION, definePlugin, type Actor, type Dataserve, type TokenHandler } from '../../plugin-api.ts'
import { parseOidcConfig, type OidcConfig } from './config.ts'
import { KeyStore } from './keys.ts'
import { JwtVerifier, looksLikeJwt } from './verify.ts'

/** The actions a token with the read scopes may do. */
const READ_ACTIONS = new Set(['view-instance', 'view-database', 'view-table', 'view-query'])

interface OidcState {
  config: OidcConfig
  keys: KeyStore
  verifier: JwtVerifier
}

/** Per Dataserve: null when there is no `plugins.oidc` block or it says `enabled: false`. */
const states = new WeakMap<Dataserve, OidcState | null>()

function stateOf(ds: Dataserve): OidcState | null {
  if (!states.has(ds)) {
    const config = parseOidcConfig(ds, (message) => process.stderr.write(message + '\n'))
    if (!config?.enabled) states.set(ds, null)
    else {
      const keys = new KeyStore(config, (message) => process.stderr.write(message + '\n'))
      states.set(ds, { config, keys, verifier: new JwtVerifier(config, keys) })
    }
  }
  return states.get(ds)!
}

const hasAll = (have: unknown, wanted: readonly string[]) => Array.isArray(have) && wanted.every((scope) => have.includes(scope))

/** A valid token whose tenant is not on `allowed_tenants` (or that names none) may do nothing. */
function tenantAllowed(config: OidcConfig, actor: Actor): boolean {
  return config.allowedTenants.length === 0 || (typeof actor.tenant === 'string' && config.allowedTenants.includes(actor.tenant))
}

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
 * plugin's bearer and query-string handling, as a token handler that claims JWT-shaped values.
 */
export default definePlugin({
  name: 'dataserve.oidc',
  version: VERSION,
  hooks: {
    registerTokenHandler: ({ ds }) => {
      const state = stateOf(ds)
      return state ? oidcHandler(state) : null
    },
    startup: async ({ ds }) => {
      const block = ds.pluginConfig('oidc')
      const state = stateOf(ds)
      if (!state) {
        if (block !== undefined) process.stderr.write('dataserve: oidc: plugins.oidc has enabled: false: JWT bearer tokens are not accepted\n')
        return
      }
      const loaded = await state.keys.start()
      if (!loaded && !state.config.startDegraded) {
        state.keys.stop()
        throw new StartupError(`plugins.oidc: cannot fetch the keys of ${state.config.issuer} (${state.keys.lastError}); start_degraded is false`)
      }
    },
    listening: ({ ds }) => {
      const state = stateOf(ds)
      if (!state) return
      const keys = state.keys.ready ? 'keys loaded' : 'keys NOT loaded yet: JWT requests get 503 until they are'
      process.stdout.write(`dataserve: oidc: bearer JWTs from ${state.config.issuer} (${keys})\n`)
    },
    permissionAllowed: ({ ds, actor, action }) => {
      const state = stateOf(ds)
      if (!state) return undefined
      if (actor === null) return state.config.anonymousRead && READ_ACTIONS.has(action) ? true : undefined
      if (actor.auth !== 'oidc') return undefined
      if (!tenantAllowed(state.config, actor)) return false
      if (READ_ACTIONS.has(action)) return hasAll(actor.scopes, state.config.readScopes)
      return undefined
    },
    forbidden: ({ ds, actor, action }) => {
      const state = stateOf(ds)
      if (!state) return null
      // RFC 6750: no credentials where a token would do → a challenge with no error attribute.
      if (actor === null) return { challenge: 'Bearer realm="dataserve"' }
      if (actor.auth === 'oidc' && action !== undefined && READ_ACTIONS.has(action) && tenantAllowed(state.config, actor) && !hasAll(actor.scopes, state.config.readScopes)) {
        return { challenge: `Bearer realm="dataserve", error="insufficient_scope", scope="${state.config.readScopes.join(' ')}"` }
      }
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
      states.get(ds)?.keys.stop()
      states.delete(ds)
    },
  },
})
