import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { didYouMean } from '../util/nearest.ts'
import { TrustedProxies } from '../credentials/client-address.ts'
import { ConfigError } from './errors.ts'
import { CONFIG_SCHEMA, checkSchema, describeValue } from './schema.ts'
import { resolveSecrets } from './secrets.ts'
import { DEFAULT_SETTINGS, type Settings } from './settings.ts'

/** datasette.yaml, checked and with its secrets resolved. */
export interface DataserveConfig {
  title?: string
  description?: string
  settings: Settings
  allow?: unknown
  allow_sql?: unknown
  permissions?: Record<string, unknown>
  databases: Record<string, DatabaseConfig>
  plugins: Record<string, unknown>
  [key: string]: unknown
}

export interface DatabaseConfig {
  allow?: unknown
  allow_sql?: unknown
  permissions?: Record<string, unknown>
  plugins?: Record<string, unknown>
  tables?: Record<string, TableConfig>
  queries?: Record<string, Record<string, unknown>>
  [key: string]: unknown
}

export interface TableConfig {
  allow?: unknown
  permissions?: Record<string, unknown>
  plugins?: Record<string, unknown>
  [key: string]: unknown
}

export interface LoadConfigOptions {
  /** Path of datasette.yaml / datasette.json; none means an empty config. */
  file?: string
  /** `-s key value` pairs: dotted keys into the config, values parsed as JSON when they are. */
  overrides?: ReadonlyArray<readonly [string, string]>
  env?: NodeJS.ProcessEnv
}

/** Reads, overrides, resolves and checks the config. Throws ConfigError naming the file and key. */
export function loadConfig({ file, overrides = [], env = process.env }: LoadConfigOptions = {}): DataserveConfig {
  const label = file ?? '<no config file>'
  let raw: Record<string, unknown> = Object.create(null)
  if (file !== undefined) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw new ConfigError(file, [], `cannot read config file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    let parsed: unknown
    try {
      parsed = parseYaml(text, { uniqueKeys: true })
    } catch (error) {
      throw new ConfigError(file, [], `not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`)
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(file, [], `expected a mapping, got ${describeValue(parsed)}`)
      raw = parsed as Record<string, unknown>
    }
  }
  for (const [key, value] of overrides) applyOverride(raw, key, value)
  const labelled = overrides.length > 0 && file !== undefined ? `${file} (with -s overrides)` : label
  const resolved = resolveSecrets(raw, labelled, env) as Record<string, unknown>
  checkSchema(resolved, CONFIG_SCHEMA, labelled, [])
  // Null prototypes all the way down (resolveSecrets makes them), so looking up a name a
  // user chose (`databases[name]`, `plugins[name]`) never finds an inherited property.
  return Object.assign(Object.create(null), resolved, {
    settings: checkThreads(checkCredentialSettings(checkPublicUrl(checkSettings(resolved.settings, labelled), labelled), labelled), labelled),
    databases: (resolved.databases as Record<string, DatabaseConfig> | undefined) ?? Object.create(null),
    plugins: (resolved.plugins as Record<string, unknown> | undefined) ?? Object.create(null),
  }) as DataserveConfig
}

/** `-s settings.default_page_size 50`; a bare known setting name (`-s default_page_size 50`) works too. */
function applyOverride(config: Record<string, unknown>, key: string, value: string): void {
  const path = isSetting(key) ? ['settings', key] : key.split('.')
  if (path.some((part) => part === '')) throw new ConfigError('-s', [key], 'not a valid dotted key')
  let node = config
  for (const part of path.slice(0, -1)) {
    const child = Object.hasOwn(node, part) ? node[part] : undefined
    if (typeof child !== 'object' || child === null || Array.isArray(child)) define(node, part, Object.create(null))
    node = node[part] as Record<string, unknown>
  }
  define(node, path[path.length - 1]!, parseOverrideValue(value))
}

/** Sets an own property, even one named `__proto__`, without reaching any prototype. */
function define(node: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true })
}

function isSetting(name: string): name is keyof Settings {
  return Object.hasOwn(DEFAULT_SETTINGS, name)
}

function parseOverrideValue(value: string): unknown {
  try {
    const parsed: unknown = JSON.parse(value)
    if (typeof parsed === 'object' || typeof parsed === 'number' || typeof parsed === 'boolean') return parsed
  } catch {
    // not JSON: a plain string
  }
  return value
}

function checkSettings(value: unknown, file: string): Settings {
  const settings: Record<string, unknown> = Object.assign(Object.create(null), DEFAULT_SETTINGS)
  if (value === undefined || value === null) return settings as Settings
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(file, ['settings'], `expected a mapping, got ${describeValue(value)}`)
  for (const [name, given] of Object.entries(value)) {
    const path = ['settings', name]
    if (!isSetting(name)) throw new ConfigError(file, path, `unknown setting${didYouMean(name, Object.keys(DEFAULT_SETTINGS))}`)
    const expected = typeof DEFAULT_SETTINGS[name]
    // A YAML list of proxies reads as well as a comma-separated string.
    // `failed_credentials_limit: false` turns the limiter off, as 0 does.
    const value =
      name === 'trusted_proxies' && Array.isArray(given) && given.every((item) => typeof item === 'string')
        ? given.join(',')
        : name === 'failed_credentials_limit' && given === false
          ? 0
          : given
    settings[name] = coerceSetting(value, expected, file, path)
  }
  return settings as Settings
}

/** `public_url` is an http(s) origin (`https://data.example.com`), kept without a trailing slash. */
function checkPublicUrl(settings: Settings, file: string): Settings {
  if (settings.public_url === '') return settings
  let url: URL | undefined
  try {
    url = new URL(settings.public_url)
  } catch {
    // reported below
  }
  const origin = url && /^https?:$/.test(url.protocol) && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash
  if (!origin) throw new ConfigError(file, ['settings', 'public_url'], 'expected an http(s) origin like https://data.example.com (no path, query or credentials)')
  settings.public_url = url!.origin
  return settings
}

/** Each SQL thread and process holds a connection per database: a typo of a few zeros should not start thousands. */
const MAX_SQL_THREADS = 256

function checkThreads(settings: Settings, file: string): Settings {
  if (settings.num_sql_threads > MAX_SQL_THREADS) throw new ConfigError(file, ['settings', 'num_sql_threads'], `expected at most ${MAX_SQL_THREADS}, got ${settings.num_sql_threads}`)
  return settings
}

/** The failed-credential window is at least a second; trusted_proxies are addresses or CIDR ranges. */
function checkCredentialSettings(settings: Settings, file: string): Settings {
  if (settings.failed_credentials_window_secs < 1) throw new ConfigError(file, ['settings', 'failed_credentials_window_secs'], 'expected a whole number of seconds ≥ 1')
  try {
    new TrustedProxies(settings.trusted_proxies)
  } catch (error) {
    throw new ConfigError(file, ['settings', 'trusted_proxies'], (error as Error).message)
  }
  return settings
}

function coerceSetting(value: unknown, expected: string, file: string, path: string[]): unknown {
  if (expected === 'number') {
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
      throw new ConfigError(file, path, `expected a whole number ≥ 0, got ${describeValue(value)}`)
    }
    return number
  }
  if (expected === 'boolean') {
    if (typeof value === 'boolean') return value
    const text = String(value).toLowerCase()
    if (['on', 'true', '1'].includes(text)) return true
    if (['off', 'false', '0'].includes(text)) return false
    throw new ConfigError(file, path, `expected true/false (or on/off), got ${describeValue(value)}`)
  }
  if (typeof value !== 'string') throw new ConfigError(file, path, `expected a string, got ${describeValue(value)}`)
  return value
}
