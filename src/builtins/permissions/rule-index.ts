import type { Dataserve } from '../../plugin-api.ts'
import { RuleIndex } from './rules.ts'

/** The config's rules, indexed once per Dataserve (at startup, or on first use). */
const indexes = new WeakMap<Dataserve, RuleIndex>()

export function buildIndex(ds: Dataserve): RuleIndex {
  const index = new RuleIndex(ds.config, (name) => ds.resolveAction(name)?.name ?? name)
  indexes.set(ds, index)
  return index
}

export function indexOf(ds: Dataserve): RuleIndex {
  return indexes.get(ds) ?? buildIndex(ds)
}
