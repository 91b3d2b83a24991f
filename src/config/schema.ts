import { didYouMean } from '../util/nearest.ts'
import { ConfigError } from './errors.ts'

/** A tiny schema language: enough to check Datasette's config shape and name the bad key. */
export type Schema =
  | 'string'
  | 'boolean'
  | 'any'
  | 'allow'
  | 'string-list'
  | { object: Record<string, Schema>; open?: boolean }
  | { map: Schema }

const METADATA: Record<string, Schema> = {
  title: 'string',
  description: 'string',
  description_html: 'string',
  license: 'string',
  license_url: 'string',
  source: 'string',
  source_url: 'string',
  about: 'string',
  about_url: 'string',
}

const PERMISSIONS: Schema = { map: 'allow' }

const QUERY: Schema = {
  object: {
    ...METADATA,
    sql: 'string',
    allow: 'allow',
    permissions: PERMISSIONS,
    params: 'string-list',
    write: 'boolean',
    hide_sql: 'boolean',
    fragment: 'string',
    on_success_message: 'string',
    on_success_redirect: 'string',
    on_error_message: 'string',
    on_error_redirect: 'string',
    plugins: { map: 'any' },
  },
}

const TABLE: Schema = {
  object: {
    ...METADATA,
    allow: 'allow',
    permissions: PERMISSIONS,
    plugins: { map: 'any' },
    hidden: 'boolean',
    sort: 'string',
    sort_desc: 'string',
    size: 'any',
    sortable_columns: 'string-list',
    label_column: 'string',
    facets: 'any',
    facet_size: 'any',
    fts_table: 'string',
    fts_pk: 'string',
    searchmode: 'string',
    units: 'any',
    columns: 'any',
    column_types: 'any',
  },
}

const DATABASE: Schema = {
  object: {
    ...METADATA,
    allow: 'allow',
    allow_sql: 'allow',
    permissions: PERMISSIONS,
    plugins: { map: 'any' },
    tables: { map: TABLE },
    queries: { map: QUERY },
  },
}

/** The top level of datasette.yaml. `settings` is checked separately, against the known settings. */
export const CONFIG_SCHEMA: Schema = {
  object: {
    ...METADATA,
    settings: 'any',
    allow: 'allow',
    allow_sql: 'allow',
    permissions: PERMISSIONS,
    databases: { map: DATABASE },
    plugins: { map: 'any' },
    extra_css_urls: 'any',
    extra_js_urls: 'any',
  },
}

export function checkSchema(value: unknown, schema: Schema, file: string, path: string[]): void {
  const fail = (problem: string) => {
    throw new ConfigError(file, path, problem)
  }
  if (schema === 'any') return
  if (schema === 'string') {
    if (typeof value !== 'string') fail(`expected a string, got ${describeValue(value)}`)
    return
  }
  if (schema === 'boolean') {
    if (typeof value !== 'boolean') fail(`expected true or false, got ${describeValue(value)}`)
    return
  }
  if (schema === 'string-list') {
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) fail(`expected a list of strings, got ${describeValue(value)}`)
    return
  }
  if (schema === 'allow') {
    // Deep checks of allow blocks belong to the permissions plugin; here only the shape.
    if (typeof value !== 'boolean' && value !== null && (typeof value !== 'object' || Array.isArray(value))) {
      fail(`an allow block must be true, false or a mapping like {id: alice}, got ${describeValue(value)}`)
    }
    return
  }
  if (value === null || value === undefined) return // an empty YAML section
  if (typeof value !== 'object' || Array.isArray(value)) {
    fail(`expected a mapping, got ${describeValue(value)}`)
    return
  }
  if ('map' in schema) {
    for (const [key, item] of Object.entries(value)) checkSchema(item, schema.map, file, [...path, key])
    return
  }
  for (const [key, item] of Object.entries(value)) {
    const child = Object.hasOwn(schema.object, key) ? schema.object[key] : undefined
    if (child === undefined) {
      if (schema.open) continue
      throw new ConfigError(file, [...path, key], `unknown key${didYouMean(key, Object.keys(schema.object))}`)
    }
    checkSchema(item, child, file, [...path, key])
  }
}

/**
 * What a config value is, for an error message. Strings are never quoted: a secret from
 * `$env` or `${VAR}` put under the wrong key must not end up in a log. Numbers and
 * booleans can only come from the file itself, and are shown, except with `secret` (where
 * a password or key belongs, `1234` would be one).
 */
export function describeValue(value: unknown, { secret = false }: { secret?: boolean } = {}): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string'
  // Where a secret belongs (a password given as 1234), only the kind: never the value.
  if (secret) return typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'true or false' : `a ${typeof value}`
  return `${typeof value} ${String(value)}`
}
