import { statSync } from 'node:fs'
import { cacheControl, queryOf, type Ctx } from '../context.ts'
import { databaseMetadata } from '../metadata.ts'
import { schemaFor, type TableInfo } from '../schema.ts'
import { quoteIdentifier, tildeEncode, type Actor, type DatabaseHandle, type Dataserve, type HtmlView } from '../../../plugin-api.ts'
import { htmlOr } from '../html-page.ts'

/**
 * GET /DB.json — the tables and views of one database that the actor may see, in Datasette
 * 1.0's shape. `table_columns` (for the SQL editor) lists only tables the actor may see;
 * Datasette lists every table of the database there.
 */
export async function databaseView(c: Ctx, db: DatabaseHandle, format: 'json' | 'html' = 'json'): Promise<Response> {
  const ds = c.get('ds')
  const actor = c.get('actor')
  await ds.ensureAllowed({ actor, action: 'view-database', resource: db.name }, 'You do not have permission to view this database')
  const { tables, views } = await visibleTables(ds, actor, db)
  const sorted = [...tables].sort((a, b) => Number(a.info.hidden) - Number(b.info.hidden) || compare(a.info.name, b.info.name))
  const allowExecuteSql = await ds.allowed({ actor, action: 'execute-sql', resource: db.name })
  const tableColumns: Record<string, string[]> = {}
  if (allowExecuteSql) {
    for (const { info } of tables) tableColumns[info.name] = info.columns.map((column) => column.name)
    for (const { info } of views) tableColumns[info.name] = []
  }
  const body = {
    ok: true,
    database: db.name,
    private: !(await ds.allowed({ actor: null, action: 'view-database', resource: db.name })),
    path: `/${tildeEncode(db.name)}`,
    size: db.path === null ? 0 : statSync(db.path).size,
    tables: await Promise.all(sorted.map((table) => tableSummary(db, table.info, table.private))),
    hidden_count: tables.filter((table) => table.info.hidden).length,
    views: views.map((view) => ({ name: view.info.name, private: view.private })),
    queries: [],
    queries_more: false,
    queries_count: 0,
    allow_execute_sql: allowExecuteSql,
    table_columns: tableColumns,
    metadata: databaseMetadata(ds, db.name),
  }
  const json = () => c.json(body, 200, { 'Cache-Control': cacheControl(c, queryOf(c)) })
  if (format === 'json') return json()
  const base = `/${tildeEncode(db.name)}`
  const page: HtmlView = {
    view: 'database',
    database: db.name,
    path: base,
    tables: await Promise.all(sorted.map(async ({ info }) => ({ name: info.name, path: `${base}/${tildeEncode(info.name)}`, columns: info.columns.map((column) => column.name), count: await rowCount(db, info), fts: info.ftsTable !== null, hidden: info.hidden }))),
    views: views.map(({ info }) => ({ name: info.name, path: `${base}/${tildeEncode(info.name)}` })),
    canExecuteSql: allowExecuteSql,
    queryPath: `${base}/-/query`,
  }
  return htmlOr(c, page, json)
}

export interface VisibleTable {
  info: TableInfo
  /** Anonymous actors may not see it. */
  private: boolean
}

/** Tables and views of `db` that `actor` may view; the others are left out, names and all. */
export async function visibleTables(ds: Dataserve, actor: Actor | null, db: DatabaseHandle) {
  const tables: VisibleTable[] = []
  const views: VisibleTable[] = []
  for (const info of schemaFor(db).tables.values()) {
    const resource = [db.name, info.name] as const
    if (!(await ds.allowed({ actor, action: 'view-table', resource }))) continue
    const isPrivate = actor === null ? false : !(await ds.allowed({ actor: null, action: 'view-table', resource }))
    ;(info.isView ? views : tables).push({ info, private: isPrivate })
  }
  return { tables, views }
}

/** Code-point order, as SQLite and Python sort names. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export async function tableSummary(db: DatabaseHandle, table: TableInfo, isPrivate: boolean) {
  return {
    name: table.name,
    columns: table.columns.map((column) => column.name),
    primary_keys: table.primaryKeys,
    count: await rowCount(db, table),
    count_truncated: false,
    hidden: table.hidden,
    fts_table: table.ftsTable,
    foreign_keys: table.foreignKeys,
    private: isPrivate,
  }
}

/** How long a listing waits for one table's count before it shows none. */
const LISTING_COUNT_LIMIT_MS = 1000

/**
 * A table's row count for the listings, on a SQL thread when the table is big; null when it
 * takes longer than Datasette allows a listing's count (or fails).
 */
export async function rowCount(db: DatabaseHandle, table: TableInfo): Promise<number | null> {
  try {
    const { rows } = await db.query(`select count(*) from ${quoteIdentifier(table.name)}`, {}, { timeLimitMs: LISTING_COUNT_LIMIT_MS, maxRows: 1 })
    return Number((rows[0] as [bigint])[0])
  } catch {
    return null
  }
}


