import { describeValue, pluginBlock, type Dataserve } from '../../plugin-api.ts'
import { parsePointer } from './json-pointer.ts'

/** `plugins.oidc` in datasette.yaml: DataPress's `[auth]` keys, with its defaults. */
export interface OidcConfig {
  enabled: boolean
  issuer: string
  /** `''`: aud is not checked (with a startup warning). */
  audience: string
  algorithms: string[]
  leewaySecs: number
  jwksRefreshSecs: number
  /** dataserve's own: how often an unknown `kid` may trigger a JWKS fetch. */
  jwksCooldownSecs: number
  /** dataserve's own: the time limit of each request to the identity provider. */
  httpTimeoutSecs: number
  readScopes: string[]
  reloadScopes: string[]
  anonymousRead: boolean
  /** RFC 6901 pointer, as a list of keys; null when no tenant is read. */
  tenantClaim: string[] | null
  tenantPointer: string | null
  allowedTenants: string[]
  adminTokenFallback: boolean
  adminToken: string | null
  startDegraded: boolean
}

/** The asymmetric signature algorithms accepted: never `none`, never HMAC (a public key is no secret), never EdDSA (not on the list). */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'] as const
const KEYS = [
  'enabled', 'issuer', 'audience', 'algorithms', 'leeway_secs', 'jwks_refresh_secs', 'jwks_cooldown_secs', 'http_timeout_secs',
  'read_scopes', 'reload_scopes', 'anonymous_read', 'tenant_claim', 'allowed_tenants', 'admin_token_fallback', 'admin_token', 'start_degraded',
]
const MAX_LEEWAY = 300
const MIN_REFRESH = 60

/**
 * Reads and checks `plugins.oidc`. Null when there is no block. Every problem stops startup
 * with the file and key; nothing here ever prints a value (it may be a secret). Never start
 * open: an omitted audience is an error, not "any audience".
 */
export function parseOidcConfig(ds: Dataserve, notice: (message: string) => void): OidcConfig | null {
  const block = pluginBlock(ds, 'oidc', KEYS)
  if (!block) return null
  const { values, has, bool } = block
  const fail = (key: string | null, problem: string): never => block.fail(key === null ? [] : [key], problem)
  const int = (key: string, fallback: number, min: number) => {
    if (!has(key)) return fallback
    const value = values[key]
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(key, `expected a whole number ≥ ${min}, got ${describeValue(value)}`)
    return value as number
  }
  const strings = (key: string) => {
    if (!has(key)) return []
    const value = values[key]
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) fail(key, `expected a list of non-empty strings, got ${describeValue(value)}`)
    return [...(value as string[])]
  }

  const enabled = bool('enabled', true)
  if (!has('issuer')) fail('issuer', 'is required: the issuer URL of your identity provider (discovery is at {issuer}/.well-known/openid-configuration)')
  if (typeof values.issuer !== 'string') fail('issuer', `expected a URL, got ${describeValue(values.issuer)}`)
  const issuer = checkIssuer(values.issuer as string, (problem) => fail('issuer', problem))

  if (!has('audience')) fail('audience', 'is required: the audience your tokens are minted for (api://dataserve); "" turns the check off, which accepts tokens minted for any API of the identity provider')
  if (typeof values.audience !== 'string') fail('audience', `expected a string, got ${describeValue(values.audience)}`)
  const audience = values.audience as string
  if (audience === '' && enabled) notice('dataserve: warning: plugins.oidc.audience is "": tokens minted for any API of this identity provider are accepted')

  const algorithms = has('algorithms') ? strings('algorithms') : ['RS256']
  if (algorithms.length === 0) fail('algorithms', 'expected at least one algorithm')
  for (const alg of algorithms) {
    if (!(ALLOWED_ALGORITHMS as readonly string[]).includes(alg)) fail('algorithms', `${alg} is not allowed (allowed: ${ALLOWED_ALGORITHMS.join(', ')}; never none, HS* or EdDSA)`)
  }

  const leewaySecs = int('leeway_secs', 60, 0)
  if (leewaySecs > MAX_LEEWAY) fail('leeway_secs', `at most ${MAX_LEEWAY} seconds: a longer leeway keeps expired tokens alive`)
  let jwksRefreshSecs = int('jwks_refresh_secs', 3600, 1)
  if (jwksRefreshSecs < MIN_REFRESH) {
    notice(`dataserve: plugins.oidc.jwks_refresh_secs is below ${MIN_REFRESH}: using ${MIN_REFRESH}`)
    jwksRefreshSecs = MIN_REFRESH
  }

  let tenantClaim: string[] | null = null
  let tenantPointer: string | null = null
  if (has('tenant_claim')) {
    if (typeof values.tenant_claim !== 'string') fail('tenant_claim', `expected a JSON pointer like /tid, got ${describeValue(values.tenant_claim)}`)
    tenantPointer = values.tenant_claim as string
    tenantClaim = parsePointer(tenantPointer) ?? fail('tenant_claim', 'expected a JSON pointer (RFC 6901) like /tid or /ext/tenant, with ~0 and ~1 as the only escapes')
    if (tenantClaim.length === 0) fail('tenant_claim', 'expected a pointer to a claim, not the whole token (/tid)')
  }
  const allowedTenants = strings('allowed_tenants')
  if (allowedTenants.length > 0 && tenantClaim === null) fail('allowed_tenants', 'needs tenant_claim: which claim holds the tenant')

  let adminToken: string | null = null
  if (has('admin_token')) {
    if (typeof values.admin_token !== 'string' || values.admin_token === '') fail('admin_token', 'expected a non-empty secret (from $env or ${VAR})')
    adminToken = values.admin_token as string
  }

  return {
    enabled,
    issuer,
    audience,
    algorithms,
    leewaySecs,
    jwksRefreshSecs,
    jwksCooldownSecs: int('jwks_cooldown_secs', 30, 1),
    httpTimeoutSecs: int('http_timeout_secs', 5, 1),
    readScopes: strings('read_scopes'),
    reloadScopes: strings('reload_scopes'),
    anonymousRead: bool('anonymous_read', false),
    tenantClaim,
    tenantPointer,
    allowedTenants,
    adminTokenFallback: bool('admin_token_fallback', true),
    adminToken,
    startDegraded: bool('start_degraded', true),
  }
}

/** An https URL (http only on a loopback host), without userinfo, query or fragment. */
function checkIssuer(text: string, fail: (problem: string) => never): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return fail('expected an absolute URL like https://login.example.com/tenant/v2.0')
  }
  if (url.username || url.password) fail('must not hold a user name or password')
  if (url.search || text.includes('?')) fail('must not have a query string')
  if (url.hash || text.includes('#')) fail('must not have a fragment')
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) fail('must be https (http only for a loopback address)')
  return text
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}
