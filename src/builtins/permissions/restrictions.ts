import type { Dataserve, Resource } from '../../plugin-api.ts'

/** Datasette's `_r` block on a token actor. */
export interface Restrictions {
  a?: string[]
  d?: Record<string, string[]>
  r?: Record<string, Record<string, string[]>>
}

/**
 * Do a token's restrictions allow `action` on `resource`? They only ever take access
 * away: this answers whether the action is on the token's allowlist, by exact match as
 * Datasette does — `a` for everything, `d[db]` for the database and everything in it,
 * `r[db][table]` for one table or query — by full name or abbreviation. Being allowed
 * `view-table` somewhere does not imply `view-database` or `view-instance`.
 */
export function restrictionsAllow(ds: Dataserve, restrictions: Restrictions, action: string, resource: Resource): boolean {
  const abbr = ds.actions.get(action)?.abbr
  const listed = (list: unknown) => Array.isArray(list) && (list.includes(action) || (abbr !== undefined && list.includes(abbr)))
  if (listed(restrictions.a)) return true
  if (resource === undefined) return false
  const db = typeof resource === 'string' ? resource : resource[0]
  if (listed(own(restrictions.d, db))) return true
  if (typeof resource === 'string') return false
  return listed(own(own(restrictions.r, db), resource[1]))
}

/** `record[key]` when `record` holds it itself: a database called `constructor` finds nothing inherited. */
function own(record: unknown, key: string): unknown {
  return typeof record === 'object' && record !== null && Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined
}

export function restrictionsOf(actor: unknown): Restrictions | undefined {
  const r = (actor as { _r?: unknown } | null)?._r
  return typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as Restrictions) : undefined
}
