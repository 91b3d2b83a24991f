import type { Dataserve } from '../dataserve.ts'
import { didYouMean } from '../util/nearest.ts'
import { ConfigError } from './errors.ts'
import { describeValue } from './schema.ts'

/** A plugin's block of datasette.yaml, with the checks every block needs, each failing with file and key. */
export interface PluginBlock {
  /** The block's own keys and values (a null-prototype mapping). */
  readonly values: Record<string, unknown>
  /** Whether `key` is given (present, and not null). */
  has(key: string): boolean
  /** Stops startup (or refuses a reload) with `plugins.NAME.KEY…: problem`. */
  fail(keys: readonly string[], problem: string): never
  /** A boolean key, or `fallback` when it is not given. */
  bool(key: string, fallback: boolean): boolean
}

/**
 * `plugins.NAME` of the config in force, checked to be a mapping of known keys: null when
 * the config has no such block. An unknown key fails with did-you-mean.
 *
 * @example
 * const block = pluginBlock(ds, 'my-plugin', ['enabled', 'url'])
 * if (!block?.bool('enabled', true)) return null
 * if (!block.has('url')) block.fail(['url'], 'is required')
 */
export function pluginBlock(ds: Dataserve, name: string, keys: readonly string[]): PluginBlock | null {
  const raw = ds.pluginConfig(name)
  if (raw === undefined || raw === null) return null
  const fail = (path: readonly string[], problem: string): never => {
    throw new ConfigError(ds.configFile, ['plugins', name, ...path], problem)
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) fail([], `expected a mapping, got ${describeValue(raw)}`)
  const values = raw as Record<string, unknown>
  for (const key of Object.keys(values)) if (!keys.includes(key)) fail([key], `unknown key${didYouMean(key, [...keys])}`)
  const has = (key: string) => Object.hasOwn(values, key) && values[key] !== undefined && values[key] !== null
  return {
    values,
    has,
    fail,
    bool(key, fallback) {
      if (!has(key)) return fallback
      if (typeof values[key] !== 'boolean') fail([key], `expected true or false, got ${describeValue(values[key])}`)
      return values[key] as boolean
    },
  }
}
