import { affinityOf } from './affinity.ts'
import { asBadRequest, timeLimit, type Ctx } from './context.ts'
import { extrasListing } from './extras.ts'
import { facetResults, suggestedFacets, type FacetContext, type FacetRequest } from './facets.ts'
import { expandableColumns } from './labels.ts'
import { databaseColor, tableMetadata } from './metadata.ts'
import type { TableInfo } from './schema.ts'
import { rawStatement } from './statements.ts'
import { countSql, pageSql, type TableQuery } from './table-query.ts'
import { BoundedMap, type Actor, type DatabaseHandle, type Dataserve } from '../../plugin-api.ts'

export interface TableExtraContext {
  c: Ctx
  ds: Dataserve
  actor: Actor | null
  db: DatabaseHandle
  table: TableInfo
  q: TableQuery
  query: URLSearchParams
  facets: readonly FacetRequest[]
  facetSize: number
}

/**
 * Adds the requested `?_extra=` blocks to `envelope`, in Datasette's catalogue order, each
 * computed only when asked for.
 */
export async function addTableExtras(envelope: Record<string, unknown>, extras: ReadonlySet<string>, x: TableExtraContext): Promise<void> {
  let count: number | null | undefined
  const needCount = extras.has('count') || (extras.has('suggested_facets') && suggestionsWanted(x))
  if (needCount) count = await countRows(x)
  if (extras.has('count')) envelope.count = count ?? null
  if (extras.has('count_sql')) envelope.count_sql = countSql(x.q).sql
  if (extras.has('count_truncated')) envelope.count_truncated = false
  const facetContext: FacetContext = { c: x.c, ds: x.ds, actor: x.actor, db: x.db, q: x.q, query: x.query, size: x.facetSize }
  let facets: Awaited<ReturnType<typeof facetResults>> | undefined
  if (extras.has('facet_results') || extras.has('facets_timed_out')) {
    facets = x.query.has('_nofacet') ? { results: {}, timed_out: [] } : await facetResults(facetContext, x.facets)
  }
  if (extras.has('facet_results')) envelope.facet_results = facets
  if (extras.has('facets_timed_out')) envelope.facets_timed_out = facets!.timed_out
  if (extras.has('suggested_facets')) envelope.suggested_facets = suggestionsWanted(x) ? await suggestedFacets(facetContext, x.facets, count ?? null) : []
  if (extras.has('human_description_en')) envelope.human_description_en = x.q.humanDescription
  if (extras.has('columns')) envelope.columns = x.q.columns
  if (extras.has('all_columns')) envelope.all_columns = x.table.columns.map((column) => column.name)
  if (extras.has('primary_keys')) envelope.primary_keys = x.table.primaryKeys
  if (extras.has('column_details')) envelope.column_details = columnDetails(x.table)
  if (extras.has('is_view')) envelope.is_view = x.table.isView
  if (extras.has('query')) envelope.query = pageSql(x.q, x.q.size + 1)
  if (extras.has('metadata')) envelope.metadata = { columns: {}, ...tableMetadata(x.ds, x.db.name, x.table.name) }
  if (extras.has('database')) envelope.database = x.db.name
  if (extras.has('table')) envelope.table = x.table.name
  if (extras.has('database_color')) envelope.database_color = databaseColor(x.db.name)
  if (extras.has('table_definition') || extras.has('view_definition')) {
    const row = rawStatement(x.db.connection, 'select sql from sqlite_master where name = ?').get(x.table.name) as [string] | undefined
    if (extras.has('table_definition')) envelope.table_definition = x.table.isView ? null : (row?.[0] ?? null)
    if (extras.has('view_definition')) envelope.view_definition = x.table.isView ? (row?.[0] ?? null) : null
  }
  if (extras.has('private')) envelope.private = !(await x.ds.allowed({ actor: null, action: 'view-table', resource: [x.db.name, x.table.name] }))
  if (extras.has('expandable_columns')) envelope.expandable_columns = expandableColumns(x.ds, x.db, x.table)
  if (extras.has('sort')) envelope.sort = x.q.sort && !x.q.sort.desc ? x.q.sort.column : null
  if (extras.has('sort_desc')) envelope.sort_desc = x.q.sort?.desc ? x.q.sort.column : null
  if (extras.has('extras')) envelope.extras = extrasListing(x.c, 'table', extras)
  // next_url is in every response already; the extra is accepted for Datasette clients.
}

/** Datasette suggests facets only on a first page, when facets are allowed and not turned off. */
function suggestionsWanted(x: TableExtraContext): boolean {
  const { settings } = x.ds
  return settings.suggest_facets && settings.allow_facet && !x.query.has('_next') && !x.query.has('_nofacet') && !x.query.has('_nosuggest')
}

/**
 * Counts already made, by database, SQL and parameters, with the database's
 * `data_version` they were made at: a table page shows its count on every visit, and a
 * count scans the whole table. Another connection's commit changes `data_version`, and the
 * count is made again.
 */
const counted = new WeakMap<object, BoundedMap<string, { version: number; total: number | null }>>()

async function countRows(x: TableExtraContext): Promise<number | null> {
  const { sql, params } = countSql(x.q)
  const key = `${sql}\0${JSON.stringify(params, (_, value) => (typeof value === 'bigint' ? `${value}n` : value))}`
  const version = Number((rawStatement(x.db.connection, 'pragma data_version').get() as unknown[])[0])
  let cache = counted.get(x.db.connection)
  if (!cache) counted.set(x.db.connection, (cache = new BoundedMap(500)))
  const known = cache.get(key)
  if (known && known.version === version) return known.total
  try {
    const result = x.q.userSql
      ? await x.db.execute(sql, params, { maxRows: 1, timeLimitMs: timeLimit(x.ds, x.query) })
      : await x.db.query(sql, params, { maxRows: 1, timeLimitMs: timeLimit(x.ds, x.query) })
    const total = result.rows[0]?.[0] as bigint | number | undefined
    const value = total === undefined ? null : Number(total)
    cache.set(key, { version, total: value })
    return value
  } catch (error) {
    asBadRequest(error)
  }
}

/** `_extra=column_details`: each column's declared type, affinity, NOT NULL, default, key position and hidden flag. */
export function columnDetails(table: TableInfo) {
  const details: Record<string, unknown> = {}
  for (const column of table.columns) {
    details[column.name] = {
      type: column.declaredType,
      sqlite_type: affinityOf(column.declaredType),
      notnull: column.notnull,
      default: column.defaultValue,
      is_pk: column.pk > 0,
      pk_position: column.pk,
      hidden: column.hidden,
    }
  }
  return details
}
