import { ConfigError, didYouMean, type Actor, type Dataserve } from '../../plugin-api.ts'
import type { StaticToken } from './static-handler.ts'

/** `plugins.tokens` in datasette.yaml. */
export interface TokensConfig {
  /** Accept tokens in this query-string parameter (`_auth_token`) on GET/HEAD. Off when absent. */
  param: string | null
  tokens: StaticToken[]
}

const CONFIG_KEYS = ['param', 'tokens']
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
    // The failed-credential limiter is every scheme's now, configured in one place.
    if (key === 'rate_limit') throw new ConfigError(file, path(key), 'has moved: set settings.failed_credentials_limit (0 turns it off) and settings.failed_credentials_window_secs')
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
  return { param: param as string | null, tokens }
}
