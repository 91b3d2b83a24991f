import type { EmbedGrant } from './token.ts'

/** Parameters a viewer may add to an embedded page: paging and narrowing, nothing that widens or reshapes it. */
const EXTRA = new Set(['_embed', '_next', '_size', '_search', '_facet', '_facet_size'])
const SORTS = ['_sort', '_sort_desc']

/**
 * Why the request's query does not fit the grant, or null when it does: every locked
 * parameter keeps exactly its values; anything added is a filter (it narrows: filters are
 * ANDed), paging, or a sort when the grant locked none.
 */
export function queryProblem(grant: EmbedGrant, query: URLSearchParams): string | null {
  const locked = new Map<string, string[]>()
  for (const [name, value] of grant.locked) locked.set(name, [...(locked.get(name) ?? []), value])
  for (const [name, values] of locked) {
    const given = query.getAll(name)
    if (given.length !== values.length || given.some((value, i) => value !== values[i])) return `The embed link locks ${name}: it cannot be changed or removed`
  }
  const sortLocked = SORTS.some((name) => locked.has(name))
  for (const name of new Set(query.keys())) {
    if (locked.has(name) || EXTRA.has(name)) continue
    if (SORTS.includes(name) && !sortLocked) continue
    if (name.startsWith('_') && !name.includes('__')) return `${name} cannot be added to an embedded page`
  }
  return null
}
