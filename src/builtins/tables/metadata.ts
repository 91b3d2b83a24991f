import { createHash } from 'node:crypto'
import type { Dataserve } from '../../plugin-api.ts'

/** Datasette's metadata keys: what `metadata` holds in JSON, at each level of the config. */
const METADATA_KEYS = ['title', 'description', 'description_html', 'license', 'license_url', 'source', 'source_url', 'about', 'about_url'] as const

function pick(config: Record<string, unknown> | undefined, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (!config) return out
  for (const key of keys) if (Object.hasOwn(config, key) && config[key] !== undefined) out[key] = config[key]
  return out
}

export function instanceMetadata(ds: Dataserve): Record<string, unknown> {
  return pick(ds.config, METADATA_KEYS)
}

export function databaseMetadata(ds: Dataserve, database: string): Record<string, unknown> {
  return pick(ds.config.databases[database], METADATA_KEYS)
}

/** A table's metadata, with its `columns` descriptions. */
export function tableMetadata(ds: Dataserve, database: string, table: string): Record<string, unknown> {
  return pick(ds.config.databases[database]?.tables?.[table], [...METADATA_KEYS, 'columns'])
}

/** Datasette's colour for a database: the first six hex digits of the MD5 of its name. */
export function databaseColor(name: string): string {
  return createHash('md5').update(name).digest('hex').slice(0, 6)
}
