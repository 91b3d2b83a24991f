import type { Ctx } from './context.ts'
import { SqlReal } from './json-text.ts'
import { expandLabels } from './labels.ts'
import { filteredSql, type TableQuery } from './table-query.ts'
import { BadRequestError, pathFor, quoteIdentifier, SqlTimeoutError, urlFor, type Actor, type BatchResult, type DatabaseHandle, type Dataserve } from '../../plugin-api.ts'

/**
 * Datasette's facets: counts of the distinct values of a column (`_facet=`), of the items of
 * JSON arrays (`_facet_array=`) and of dates (`_facet_date=`) over the rows the filters
 * select, and suggestions of columns worth faceting. Every facet query runs in the SQL
 * processes under `facet_time_limit_ms` (suggestions under `facet_suggest_time_limit_ms`),
 * so a facet over a big table is reported as timed out instead of holding the server.
 */

export type FacetType = 'column' | 'array' | 'date'
const TYPES: readonly FacetType[] = ['column', 'array', 'date']
/** Query-string parameter of each facet type. */
const PARAM: Record<FacetType, string> = { column: '_facet', array: '_facet_array', date: '_facet_date' }

export interface FacetRequest {
  type: FacetType
  column: string
  /** From the table's `facets:` config (not hideable) or the query string. */
  source: 'metadata' | 'request'
}

/** The facets asked for, config first; an unknown type or column is a 400. */
export function requestedFacets(query: URLSearchParams, q: TableQuery, configured: unknown, allowFacet: boolean): FacetRequest[] {
  const facets: FacetRequest[] = []
  const columns = new Set(q.table.columns.map((column) => column.name))
  if (q.table.useRowid) columns.add('rowid')
  const add = (type: FacetType, column: string, source: FacetRequest['source']) => {
    if (!columns.has(column)) throw new BadRequestError(`Cannot facet by ${column}: no such column`)
    if (!facets.some((f) => f.type === type && f.column === column)) facets.push({ type, column, source })
  }
  if (Array.isArray(configured)) {
    for (const entry of configured) {
      if (typeof entry === 'string') add('column', entry, 'metadata')
      else if (entry && typeof entry === 'object') {
        for (const [type, column] of Object.entries(entry)) {
          if (TYPES.includes(type as FacetType) && typeof column === 'string') add(type as FacetType, column, 'metadata')
        }
      }
    }
  }
  const keys = [...new Set(query.keys())].filter((key) => key === '_facet' || key.startsWith('_facet_'))
  const asked = keys.filter((key) => key !== '_facet_size')
  if (asked.length > 0 && !allowFacet) throw new BadRequestError('_facet= is not allowed')
  for (const key of asked) {
    const type = key === '_facet' ? 'column' : key.slice('_facet_'.length)
    if (!TYPES.includes(type as FacetType)) throw new BadRequestError(`Unknown facet type: ${key} (available: ${TYPES.map((t) => PARAM[t]).join(', ')})`)
    for (const value of query.getAll(key)) add(type as FacetType, facetColumn(value), 'request')
  }
  return facets
}

/** `_facet=state` or Datasette's JSON form `_facet={"column": "state"}`. */
function facetColumn(value: string): string {
  if (!value.startsWith('{')) return value
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    throw new BadRequestError(`Invalid facet: ${value}`)
  }
  const column = (parsed as { column?: unknown; simple?: unknown } | null)?.column ?? (parsed as { simple?: unknown } | null)?.simple
  if (typeof column !== 'string') throw new BadRequestError(`Invalid facet: ${value}`)
  return column
}

/** `_facet_size`, the table's `facet_size`, or `default_facet_size`; never over `max_returned_rows`. */
export function facetSize(ds: Dataserve, query: URLSearchParams, configured: unknown): number {
  const max = ds.settings.max_returned_rows
  const given = query.get('_facet_size')
  let size = ds.settings.default_facet_size
  if (given === 'max') size = max
  else if (given !== null && /^\d+$/.test(given)) size = Number(given)
  else if (configured === 'max') size = max
  else if (typeof configured === 'number' && Number.isInteger(configured) && configured > 0) size = configured
  return Math.min(size, max)
}

export interface FacetContext {
  c: Ctx
  ds: Dataserve
  actor: Actor | null
  db: DatabaseHandle
  q: TableQuery
  query: URLSearchParams
  size: number
}

interface FacetValue {
  value: unknown
  label: unknown
  count: number
  toggle_url: string
  selected: boolean
}

/** `facet_results`: `{"results": {name: facet}, "timed_out": [names]}`. */
export async function facetResults(x: FacetContext, facets: readonly FacetRequest[]) {
  const results: Record<string, unknown> = {}
  const timedOut: string[] = []
  const { sql, params } = filteredSql(x.q)
  for (const facet of facets) {
    const column = quoteIdentifier(facet.column)
    const facetSql =
      facet.type === 'array'
        ? `with inner as (${sql}), deduped_array_items as (select distinct j.value, inner.* from json_each([inner].${column}) j join inner) select value as value, count(*) as count from deduped_array_items group by value order by count(*) desc, value limit ${x.size + 1}`
        : facet.type === 'date'
          ? `select date(${column}) as value, count(*) as count from (${sql}) where date(${column}) is not null group by date(${column}) order by count desc, value limit ${x.size + 1}`
          : `select ${column} as value, count(*) as count from (${sql}) where ${column} is not null group by ${column} order by count desc, value limit ${x.size + 1}`
    let rows: unknown[][]
    try {
      rows = (await x.db.execute(facetSql, params, { maxRows: x.size + 1, timeLimitMs: x.ds.settings.facet_time_limit_ms })).rows
    } catch (error) {
      if (error instanceof SqlTimeoutError) {
        timedOut.push(facet.column)
        continue
      }
      throw error
    }
    const truncated = rows.length > x.size
    rows = rows.slice(0, x.size)
    const values = await facetValues(x, facet, rows)
    let key = facet.column
    for (let i = 2; Object.hasOwn(results, key); i++) key = `${facet.column}_${i}`
    results[key] = {
      name: facet.column,
      type: facet.type,
      hideable: facet.source !== 'metadata',
      toggle_url: pathFor(x.c, removing(PARAM[facet.type], facet.column)),
      results: values,
      truncated,
    }
  }
  return { results, timed_out: timedOut }
}

async function facetValues(x: FacetContext, facet: FacetRequest, rows: unknown[][]): Promise<FacetValue[]> {
  // The filter a value's toggle adds or removes: Datasette's parameter for each type.
  const param = facet.type === 'array' ? `${facet.column}__arraycontains` : facet.type === 'date' ? `${facet.column}__date` : facet.column.startsWith('_') ? `${facet.column}__exact` : facet.column
  let labels: unknown[] = rows.map((row) => row[0])
  if (facet.type === 'column') {
    // Foreign-key labels, as for the rows themselves.
    const set = { columns: [facet.column], rows: rows.map((row) => [row[0]]) }
    await expandLabels(x.ds, x.actor, x.db, x.q.table, [facet.column], set)
    labels = set.rows.map((row) => (typeof row[0] === 'object' && row[0] !== null && 'label' in row[0] ? (row[0] as { label: unknown }).label : row[0]))
  }
  const pairs = x.query.getAll(param)
  return rows.map(([value, count], i) => {
    const text = String(value)
    const selected = pairs.includes(text)
    return {
      value: facet.type === 'array' ? text : sqlValue(value),
      label: facet.type === 'array' ? text : sqlValue(labels[i]),
      count: Number(count),
      toggle_url: urlFor(x.c, selected ? removing(param, text) : (params) => params.append(param, text)),
      selected,
    }
  })
}

/** A value from SQLite as JSON writes it: a REAL keeps its `.0`. */
function sqlValue(value: unknown): unknown {
  return typeof value === 'number' ? new SqlReal(value) : value
}

/** Removes the pairs `name=value`, keeping every other parameter where it was. */
function removing(name: string, value: string) {
  return (params: URLSearchParams) => {
    const kept = [...params].filter(([key, v]) => !(key === name && v === value))
    for (const key of [...new Set(params.keys())]) params.delete(key)
    for (const [key, v] of kept) params.append(key, v)
  }
}

/** How many rows suggestions look at, as in Datasette. */
const SUGGEST_CONSIDER = 1000

/**
 * `suggested_facets`: columns with a few repeated values among the first thousand rows, JSON
 * columns holding arrays of strings, and columns holding dates, as Datasette suggests them.
 */
export async function suggestedFacets(x: FacetContext, enabled: readonly FacetRequest[], rowCount: number | null) {
  const { sql, params } = filteredSql(x.q)
  const names = x.q.table.useRowid ? ['rowid', ...x.q.table.columns.map((c) => c.name)] : x.q.table.columns.map((c) => c.name)
  const limited = `select * from (${sql}) limit ${SUGGEST_CONSIDER}`
  const isEnabled = (type: FacetType, column: string) => enabled.some((f) => f.type === type && f.column === column)
  const statements = [
    { sql: `select count(*) from (${limited})`, params, maxRows: 1 },
    ...names.map((name) => {
      const c = quoteIdentifier(name)
      return { sql: `with limited as (${limited}) select ${c} as value, count(*) as n from limited where value is not null group by value limit ${x.size + 1}`, params, maxRows: x.size + 1 }
    }),
    ...names.map((name) => ({ sql: `select date(${quoteIdentifier(name)}) from (select * from (${sql}) limit 100) where ${quoteIdentifier(name)} glob '????-??-*'`, params, maxRows: 100 })),
    ...names.map((name) => {
      const c = quoteIdentifier(name)
      return { sql: `with limited as (${limited}) select distinct json_type(${c}) from limited where ${c} is not null and ${c} != ''`, params, maxRows: 10 }
    }),
  ]
  const limit = x.ds.settings.facet_suggest_time_limit_ms
  let results: BatchResult[]
  try {
    results = await x.db.executeBatch(statements, { statementLimitMs: limit, timeLimitMs: Math.max(limit * statements.length, 1000) })
  } catch (error) {
    if (error instanceof SqlTimeoutError) return []
    throw error
  }
  const rows = (i: number) => {
    const result = results[i]
    return result && 'rows' in result ? result.rows : null
  }
  const total = rowCount ?? Number(rows(0)?.[0]?.[0] ?? 0)
  const suggestions: Record<string, unknown>[] = []
  names.forEach((name, i) => {
    const distinct = rows(1 + i)
    if (!distinct || isEnabled('column', name)) return
    if (distinct.length > 1 && distinct.length < total && distinct.length <= x.size && distinct.some((row) => Number(row[1]) > 1)) {
      suggestions.push({ name, toggle_url: urlFor(x.c, (params) => params.append('_facet', name)) })
    }
  })
  names.forEach((name, i) => {
    const dates = rows(1 + names.length + i)
    if (!dates || isEnabled('date', name) || !dates.some((row) => row[0] !== null && row[0] !== '')) return
    suggestions.push({ name, type: 'date', toggle_url: urlFor(x.c, (params) => params.append('_facet_date', name)) })
  })
  const arrayCandidates = names.filter((name, i) => {
    const types = rows(1 + 2 * names.length + i)?.map((row) => row[0])
    return !isEnabled('array', name) && types !== undefined && types.length > 0 && types.every((type) => type === 'array' || type === null) && types.includes('array')
  })
  if (arrayCandidates.length > 0) {
    // Only arrays of strings: look at the first hundred non-empty ones.
    const checks = await x.db
      .executeBatch(
        arrayCandidates.map((name) => {
          const c = quoteIdentifier(name)
          return { sql: `select ${c} from (${sql}) where ${c} is not null and ${c} != '' and json_array_length(${c}) > 0 limit 100`, params, maxRows: 100 }
        }),
        { statementLimitMs: limit, timeLimitMs: Math.max(limit * arrayCandidates.length, 1000) },
      )
      .catch((error: unknown) => {
        if (error instanceof SqlTimeoutError) return [] as BatchResult[]
        throw error
      })
    arrayCandidates.forEach((name, i) => {
      const result = checks[i]
      if (!result || !('rows' in result) || result.rows.length === 0 || !result.rows.every((row) => arrayOfStrings(row[0]))) return
      suggestions.push({ name, type: 'array', toggle_url: urlFor(x.c, (params) => params.append('_facet_array', name)) })
    })
  }
  return suggestions
}

function arrayOfStrings(text: unknown): boolean {
  if (typeof text !== 'string') return false
  try {
    const parsed: unknown = JSON.parse(text)
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')
  } catch {
    return false
  }
}
