import type { Dataserve } from '../../../dataserve.ts'
import { urlFor } from '../../../urls.ts'
import { isOff, isOn } from '../../../request-input.ts'
import type { DatabaseHandle } from '../../../databases.ts'
import { BadRequestError } from '../../../errors.ts'
import { asBadRequest, cacheControl, getTable, queryOf, single, timeLimit, type Ctx, type TablesState } from '../context.ts'
import { requestedExtras } from '../extras.ts'
import { facetSize, requestedFacets } from '../facets.ts'
import { columnsToExpand, expandLabels } from '../labels.ts'
import { addTableExtras } from '../table-extras.ts'
import { encodeNextToken } from '../keyset.ts'
import { csvLine } from '../render-csv.ts'
import { envelopeJson, parseShape, renderShape, type RowSet } from '../render-json.ts'
import { pageJson } from '../page-json.ts'
import type { TableInfo } from '../schema.ts'
import { pageSql, parseTableQuery, type TableConfigLike, type TableQuery } from '../table-query.ts'
import { rawStatement } from '../statements.ts'
import { streamTableCsv } from '../stream-csv.ts'

export interface PageResult {
  set: RowSet
  next: string | null
  truncated: boolean
}

/** GET /DB/TABLE.json and /DB/TABLE.csv */
export async function tableView(c: Ctx, state: TablesState, db: DatabaseHandle, tableName: string, format: 'json' | 'csv') {
  const ds = c.get('ds')
  const actor = c.get('actor')
  const table = getTable(db, tableName)
  await ds.ensureAllowed({ actor, action: 'view-table', resource: [db.name, table.name] }, 'You do not have permission to view this table')
  const query = queryOf(c)
  const extras = requestedExtras(query, 'table')
  if (extras.has('count')) extras.add('count_truncated')
  const shape = parseShape(single(query, '_shape'))
  const stream = format === 'csv' && isOn(single(query, '_stream'))
  if (stream && !ds.settings.allow_csv_stream) throw new BadRequestError('CSV streaming is disabled (allow_csv_stream)')
  const config = (ds.config.databases[db.name]?.tables?.[table.name] ?? {}) as TableConfigLike
  const allowWhere = query.has('_where') && (await ds.allowed({ actor, action: 'execute-sql', resource: db.name }))
  if (query.has('_where') && !allowWhere) throw new BadRequestError('_where= is not allowed')
  const q = parseTableQuery(ds, table, query, { config, allowWhere, stream })
  const facets = requestedFacets(query, q, config.facets, ds.settings.allow_facet)
  // Asking for a facet asks for its results, as in Datasette.
  if ([...query.keys()].some((key) => key === '_facet' || (key.startsWith('_facet_') && key !== '_facet_size'))) extras.add('facet_results')
  const labels = columnsToExpand(query, table)
  const cache = cacheControl(c, query)

  if (stream) return streamTableCsv(c, state, db, q, query, cache)

  const nl = isOn(single(query, '_nl'))
  const infinity = isOn(single(query, '_json_infinity'))
  const jsonParams = query.getAll('_json')
  // The common page (objects, no _json, no _where, no labels) is serialised by SQLite: see page-json.ts.
  const sqliteJson = format === 'json' && (shape === 'objects' || (shape === 'array' && !nl)) && !q.userSql && !infinity && jsonParams.length === 0 && labels.length === 0
  const jsonPage = sqliteJson ? pageJson(db, q) : null
  const rowsPage = jsonPage ? null : await fetchPage(ds, state, db, q, timeLimit(ds, query))
  if (rowsPage && labels.length > 0) await expandLabels(ds, actor, db, table, labels, rowsPage.set)
  const next = jsonPage ? jsonPage.next : rowsPage!.next
  const nextUrl = next === null ? null : urlFor(c, { _next: next })
  const headers: Record<string, string> = { 'Cache-Control': cache }
  if (nextUrl) headers.Link = `<${nextUrl}>; rel="next"`

  if (format === 'csv') return csvResponse(c, table, rowsPage!.set, query, headers, labels)

  const envelope: Record<string, unknown> = { ok: true, next, next_url: nextUrl }
  // Only the default shape and arrays show the envelope: Datasette skips counts and facets for the others.
  if (shape === 'objects' || shape === 'arrays') {
    await addTableExtras(envelope, extras, { c, ds, actor, db, table, q, state, query, facets, facetSize: facetSize(ds, query, config.facet_size) })
  }
  envelope.rows = true
  envelope.truncated = false
  if (jsonPage) {
    const body = shape === 'array' ? jsonPage.rowsJson : envelopeJson(envelope, jsonPage.rowsJson)
    return c.body(body, 200, { ...headers, 'Content-Type': 'application/json; charset=utf-8' })
  }
  const { set } = rowsPage!
  const keyIndexes = q.keys.map((key) => set.columns.indexOf(key))
  const jsonColumns = new Set(jsonParams.map((column) => set.columns.indexOf(column)).filter((i) => i >= 0))
  const rendered = renderShape(shape, set, envelope, {
    nl,
    keyIndexes: table.isView || keyIndexes.includes(-1) ? (table.isView ? null : []) : keyIndexes,
    jsonColumns,
    infinity,
  })
  return c.body(rendered.body, 200, { ...headers, 'Content-Type': rendered.contentType })
}

/** One page of rows: on this thread for generated SQL, in the SQL pool when `_where` brought user SQL. */
export async function fetchPage(ds: Dataserve, state: TablesState, db: DatabaseHandle, q: TableQuery, limitMs: number): Promise<PageResult> {
  // Fetch the sort column too when `_col` left it out: the next token needs it.
  const hidden = q.sort && !q.columns.includes(q.sort.column) ? [q.sort.column] : []
  const fetchQuery = hidden.length > 0 ? { ...q, columns: [...q.columns, ...hidden] } : q
  const { sql, params } = pageSql(fetchQuery, q.size + 1)
  let set: RowSet
  try {
    if (q.userSql) {
      set = await state.pool.run({ database: db.name, sql, params, maxRows: q.size + 1, timeLimitMs: limitMs })
    } else {
      set = { columns: fetchQuery.columns, rows: rawStatement(db.connection, sql).all(params) as unknown[][] }
    }
  } catch (error) {
    asBadRequest(error)
  }
  let next: string | null = null
  if (set.rows.length > q.size) {
    set.rows.length = q.size
    const last = set.rows[q.size - 1]
    if (q.table.isView) next = String(q.offset + q.size)
    else if (last) next = encodeNextToken(Object.fromEntries(fetchQuery.columns.map((column, i) => [column, last[i]])), q.keys, q.sort)
  }
  if (hidden.length > 0) set = { columns: q.columns, rows: set.rows.map((row) => row.slice(0, q.columns.length)) }
  return { set, next, truncated: false }
}

/** A page as CSV; an expanded foreign key is two columns, `col` and `col_label`, as Datasette writes it. */
function csvResponse(c: Ctx, table: TableInfo, set: RowSet, query: URLSearchParams, headers: Record<string, string>, labels: readonly string[]) {
  const escape = c.get('ds').settings.csv_escape_formulas
  const expanded = new Set(labels.map((column) => set.columns.indexOf(column)).filter((i) => i >= 0))
  const header = set.columns.flatMap((column, i) => (expanded.has(i) ? [column, `${column}_label`] : [column]))
  let body = isOff(single(query, '_header')) ? '' : csvLine(header, escape)
  for (const row of set.rows) {
    const cells = expanded.size === 0 ? row : row.flatMap((value, i) => (expanded.has(i) ? labelled(value) : [value]))
    body += csvLine(cells, escape)
  }
  return c.body(body, 200, { ...headers, ...csvHeaders(query, table.name) })
}

function labelled(value: unknown): unknown[] {
  if (typeof value !== 'object' || value === null || !('label' in value)) return [value, null]
  const { value: raw, label } = value as { value: unknown; label: unknown }
  return [raw, label]
}

/** text/plain to read in a browser; `_dl=1` makes it a text/csv download. */
export function csvHeaders(query: URLSearchParams, name: string): Record<string, string> {
  if (isOn(single(query, '_dl'))) {
    return { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}.csv"` }
  }
  return { 'Content-Type': 'text/plain; charset=utf-8' }
}


