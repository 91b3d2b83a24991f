import type { Dataserve } from '../../../dataserve.ts'
import { urlFor } from '../../../urls.ts'
import { isOff, isOn } from '../../../request-input.ts'
import type { DatabaseHandle } from '../../../databases.ts'
import { BadRequestError } from '../../../errors.ts'
import { asBadRequest, cacheControl, getTable, listParam, queryOf, single, timeLimit, type Ctx, type TablesState } from '../context.ts'
import { encodeNextToken } from '../keyset.ts'
import { csvLine } from '../render-csv.ts'
import { envelopeJson, parseShape, renderShape, type RowSet } from '../render-json.ts'
import { pageJson } from '../page-json.ts'
import type { TableInfo } from '../schema.ts'
import { countSql, pageSql, parseTableQuery, type TableConfigLike, type TableQuery } from '../table-query.ts'
import { rawStatement } from '../statements.ts'
import { streamTableCsv } from '../stream-csv.ts'

const TABLE_EXTRAS = [
  'count', 'count_sql', 'columns', 'primary_keys', 'next_url', 'query', 'database', 'table', 'is_view',
  'private', 'metadata', 'sort', 'sort_desc', 'human_description_en', 'table_definition', 'view_definition',
  'extras',
] as const

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
  const extras = new Set(listParam(query, '_extra'))
  for (const extra of extras) {
    if (!(TABLE_EXTRAS as readonly string[]).includes(extra)) {
      throw new BadRequestError(`Unknown _extra: ${extra} (available: ${TABLE_EXTRAS.join(', ')})`)
    }
  }
  const shape = parseShape(single(query, '_shape'))
  const stream = format === 'csv' && isOn(single(query, '_stream'))
  if (stream && !ds.settings.allow_csv_stream) throw new BadRequestError('CSV streaming is disabled (allow_csv_stream)')
  const config = (ds.config.databases[db.name]?.tables?.[table.name] ?? {}) as TableConfigLike
  const allowWhere = query.has('_where') && (await ds.allowed({ actor, action: 'execute-sql', resource: db.name }))
  if (query.has('_where') && !allowWhere) throw new BadRequestError('_where= is not allowed')
  const q = parseTableQuery(ds, table, query, { config, allowWhere, stream })
  const cache = cacheControl(c, query)

  if (stream) return streamTableCsv(c, state, db, q, query, cache)

  const nl = isOn(single(query, '_nl'))
  const infinity = isOn(single(query, '_json_infinity'))
  const jsonParams = query.getAll('_json')
  // The common page (objects, no _json, no _where) is serialised by SQLite: see page-json.ts.
  const sqliteJson = format === 'json' && (shape === 'objects' || (shape === 'array' && !nl)) && !q.userSql && !infinity && jsonParams.length === 0
  const jsonPage = sqliteJson ? pageJson(db, q) : null
  const rowsPage = jsonPage ? null : await fetchPage(ds, state, db, q, timeLimit(ds, query))
  const next = jsonPage ? jsonPage.next : rowsPage!.next
  const nextUrl = next === null ? null : urlFor(c, { _next: next })
  const headers: Record<string, string> = { 'Cache-Control': cache }
  if (nextUrl) headers.Link = `<${nextUrl}>; rel="next"`

  if (format === 'csv') return csvResponse(c, table, rowsPage!.set, query, headers)

  const envelope: Record<string, unknown> = { ok: true, next, next_url: nextUrl, rows: true, truncated: false }
  await addExtras(envelope, extras, { ds, actor, db, table, q, state, query })
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

interface ExtraContext {
  ds: Dataserve
  actor: Ctx['var']['actor']
  db: DatabaseHandle
  table: TableInfo
  q: TableQuery
  state: TablesState
  query: URLSearchParams
}

async function addExtras(envelope: Record<string, unknown>, extras: ReadonlySet<string>, x: ExtraContext): Promise<void> {
  if (extras.has('count') || extras.has('count_sql')) {
    const count = countSql(x.q)
    if (extras.has('count_sql')) envelope.count_sql = count.sql
    if (extras.has('count')) {
      try {
        const result = x.q.userSql
          ? await x.state.pool.run({ database: x.db.name, sql: count.sql, params: count.params, maxRows: 1, timeLimitMs: timeLimit(x.ds, x.query) })
          : { rows: [rawStatement(x.db.connection, count.sql).get(count.params) as unknown[]] }
        const total = result.rows[0]?.[0] as bigint | number | undefined
        envelope.count = total === undefined ? null : Number(total)
      } catch (error) {
        asBadRequest(error)
      }
    }
  }
  if (extras.has('columns')) envelope.columns = x.q.columns
  if (extras.has('primary_keys')) envelope.primary_keys = x.table.primaryKeys
  if (extras.has('database')) envelope.database = x.db.name
  if (extras.has('table')) envelope.table = x.table.name
  if (extras.has('is_view')) envelope.is_view = x.table.isView
  if (extras.has('sort')) envelope.sort = x.q.sort && !x.q.sort.desc ? x.q.sort.column : null
  if (extras.has('sort_desc')) envelope.sort_desc = x.q.sort?.desc ? x.q.sort.column : null
  if (extras.has('human_description_en')) envelope.human_description_en = x.q.humanDescription
  if (extras.has('query')) envelope.query = pageSql(x.q, x.q.size + 1)
  if (extras.has('metadata')) envelope.metadata = metadataFor(x.ds, x.db.name, x.table.name)
  if (extras.has('private')) {
    const publicView = await x.ds.allowed({ actor: null, action: 'view-table', resource: [x.db.name, x.table.name] })
    envelope.private = !publicView
  }
  if (extras.has('table_definition') || extras.has('view_definition')) {
    const row = rawStatement(x.db.connection, 'select sql from sqlite_master where name = ?').get(x.table.name) as [string] | undefined
    if (extras.has('table_definition')) envelope.table_definition = x.table.isView ? null : (row?.[0] ?? null)
    if (extras.has('view_definition')) envelope.view_definition = x.table.isView ? (row?.[0] ?? null) : null
  }
  if (extras.has('extras')) {
    envelope.extras = TABLE_EXTRAS.map((name) => ({ name, selected: extras.has(name) }))
  }
  // next_url is in every response already; the extra is accepted for Datasette clients.
}

function metadataFor(ds: Dataserve, database: string, table: string): Record<string, unknown> {
  const config = ds.config.databases[database]?.tables?.[table] ?? {}
  const keys = ['title', 'description', 'description_html', 'license', 'license_url', 'source', 'source_url', 'about', 'about_url', 'columns']
  return Object.fromEntries(keys.filter((key) => config[key] !== undefined).map((key) => [key, config[key]]))
}

function csvResponse(c: Ctx, table: TableInfo, set: RowSet, query: URLSearchParams, headers: Record<string, string>) {
  const escape = c.get('ds').settings.csv_escape_formulas
  let body = isOff(single(query, '_header')) ? '' : csvLine(set.columns, escape)
  for (const row of set.rows) body += csvLine(row, escape)
  return c.body(body, 200, { ...headers, ...csvHeaders(query, table.name) })
}

/** text/plain to read in a browser; `_dl=1` makes it a text/csv download. */
export function csvHeaders(query: URLSearchParams, name: string): Record<string, string> {
  if (isOn(single(query, '_dl'))) {
    return { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}.csv"` }
  }
  return { 'Content-Type': 'text/plain; charset=utf-8' }
}


