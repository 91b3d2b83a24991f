import type { Dataserve, DataserveConfig } from '../../plugin-api.ts'
import { RuleIndex } from './rules.ts'

/** The config's rules, indexed once per config generation (when it is prepared, or on first use). */
const indexes = new WeakMap<DataserveConfig, RuleIndex>()

export function buildIndex(ds: Dataserve): RuleIndex {
  const index = new RuleIndex(ds.config, (name) => ds.resolveAction(name)?.name ?? name)
  indexes.set(ds.config, index)
  return index
}

export function indexOf(ds: Dataserve): RuleIndex {
  return indexes.get(ds.config) ?? buildIndex(ds)
}
