import { ConfigError, describeValue, didYouMean, type Actor, type Dataserve } from '../../plugin-api.ts'
import type { StaticToken } from './static-handler.ts'

/** `plugins.tokens` in datasette.yaml. */
export interface TokensConfig {
  /** Accept tokens in this query-string parameter (`_auth_token`) on GET/HEAD. Off when absent. */
  param: string | null
  tokens: StaticToken[]
  rateLimit: { maxFailures: number; windowSeconds: number } | null
}

const CONFIG_KEYS = ['param', 'tokens', 'rate_limit']
/** The query-string parameter tokens use when `param` names it (and the one refused, with a hint, when it is off). */
export const DEFAULT_PARAM = '_auth_token'

/** Reads and checks `plugins.tokens`; a bad block stops startup with the key. */
export function parseConfig(ds: Dataserve): TokensConfig {
  const raw = ds.pluginConfig('tokens') ?? {}
  const file = ds.configFile
  const path = (...keys: string[]) => ['plugins', 'tokens', ...keys]
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(file, path(), 'expected a mapping')
  const config = raw as Record<string, unknown>
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.includes(key)) throw new ConfigError(file, path(key), `unknown key${didYouMean(key, CONFIG_KEYS)}`)
  }
  const param = config.param ?? null
  // A leading underscore keeps it apart from column filters (`?column=value`).
  if (param !== null && (typeof param !== 'string' || !/^_[A-Za-z0-9_]+$/.test(param))) throw new ConfigError(file, path('param'), 'expected a query parameter name starting with _, like _auth_token')
  const tokens: StaticToken[] = []
  if (config.tokens !== undefined) {
    if (!Array.isArray(config.tokens)) throw new ConfigError(file, path('tokens'), 'expected a list of {token, actor}')
    config.tokens.forEach((entry: unknown, i: number) => {
      const { token, actor } = (entry ?? {}) as { token?: unknown; actor?: unknown }
      if (typeof token !== 'string' || token.length < 16) throw new ConfigError(file, path('tokens', String(i), 'token'), 'expected a secret of at least 16 characters')
      if (typeof actor !== 'object' || actor === null || typeof (actor as Actor).id !== 'string') throw new ConfigError(file, path('tokens', String(i), 'actor'), 'expected an actor like {id: sheets}')
      tokens.push({ token, actor: actor as Actor })
    })
  }
  let rateLimit: TokensConfig['rateLimit'] = { maxFailures: 20, windowSeconds: 60 }
  if (config.rate_limit === false) rateLimit = null
  else if (config.rate_limit !== undefined) {
    if (typeof config.rate_limit !== 'object' || config.rate_limit === null || Array.isArray(config.rate_limit)) {
      throw new ConfigError(file, path('rate_limit'), `expected false (no limit) or a mapping {max_failures, window_seconds}, got ${describeValue(config.rate_limit)}`)
    }
    const { max_failures, window_seconds, ...other } = config.rate_limit as Record<string, unknown>
    if (Object.keys(other).length > 0) throw new ConfigError(file, path('rate_limit', Object.keys(other)[0]!), 'unknown key (max_failures, window_seconds)')
    const positive = (v: unknown, key: string, fallback: number) => {
      if (v === undefined) return fallback
      if (!Number.isInteger(v) || (v as number) < 1) throw new ConfigError(file, path('rate_limit', key), 'expected a whole number ≥ 1')
      return v as number
    }
    rateLimit = { maxFailures: positive(max_failures, 'max_failures', 20), windowSeconds: positive(window_seconds, 'window_seconds', 60) }
  }
  return { param: param as string | null, tokens, rateLimit }
}
