import type { TableInfo } from './schema.ts'
import { asBadRequest } from './context.ts'
import { encodeNextToken } from './keyset.ts'
import { pageSql, type TableQuery } from './table-query.ts'
import { quoteIdentifier, type DatabaseHandle, type RowSet } from '../../plugin-api.ts'

/**
 * One page of a table: its rows and the `_next` token of the page after it, built by SQLite
 * as JSON (`pageJson`, the common page) or as rows in JavaScript (`fetchPage`, for BLOBs,
 * other shapes, user SQL and CSV).
 */

export interface PageResult {
  set: RowSet
  next: string | null
  truncated: boolean
}

/** One page of rows already serialised as a JSON array of objects. */
export interface JsonPage {
  rowsJson: string
  next: string | null
}

/** A number with an exponent, as SQLite writes one (or text that looks like one: harmless). */
const EXPONENT = /\de[+-]\d/

/** json_object() takes a name and a value per column, and SQLite allows 127 arguments by default. */
const MAX_COLUMNS = 63

/** Tables whose rows held a BLOB, which json_object() refuses: their pages are built in JavaScript. */
const holdsBlobs = new WeakSet<TableInfo>()

/**
 * The rows of a table page as JSON, built inside SQLite: json_object() per row and
 * group_concat() over the page, so one string crosses into JavaScript instead of one value
 * per cell. On a 100-row, 6-column page that is about half the cost of reading the rows and
 * calling JSON.stringify, and SQLite writes integers exactly and REALs as the shortest text
 * that reads back as the same double (`37.0`, as Datasette writes floats).
 *
 * Returns null when the JavaScript renderer must do it: a BLOB in the page (json_object()
 * refuses them), ±Infinity (SQLite writes `9.0e+999`; Datasette writes null), or a sort
 * column left out of the output (the next token needs it).
 */
export async function pageJson(db: DatabaseHandle, q: TableQuery, limitMs: number): Promise<JsonPage | null> {
  if (holdsBlobs.has(q.table) || q.columns.length === 0 || q.columns.length > MAX_COLUMNS) return null
  // No rows asked for: no last row to point a next page at (as the JavaScript path answers).
  if (q.size === 0) return { rowsJson: '[]', next: null }
  if (q.sort && !q.columns.includes(q.sort.column)) return null
  const { sql, params } = pageJsonSql(q)
  let result: [string | null, bigint]
  try {
    result = (await db.query(sql, params, { timeLimitMs: limitMs, maxRows: 1 })).rows[0] as [string | null, bigint]
  } catch (error) {
    if (/JSON cannot hold BLOB values/.test((error as Error).message)) {
      holdsBlobs.add(q.table)
      return null
    }
    // A bad search expression or filter value is the client's mistake: 400, as on every path.
    asBadRequest(error)
  }
  let [joined, count] = result
  if (joined === null) return { rowsJson: '[]', next: null }
  // SQLite writes REALs with an exponent as `1.0e-07` (and ±Infinity as `9.0e+999`); Python,
  // and so Datasette, writes `1e-07`. Rare enough to leave to the JavaScript renderer.
  if (EXPONENT.test(joined)) return null
  let next: string | null = null
  if (count > q.size) {
    // Drop the extra row that told us there is a next page. `},{"` marks the start of an
    // object and nothing else: inside a JSON string every `"` is escaped as `\"`.
    joined = joined.slice(0, joined.lastIndexOf('},{"') + 1)
    if (!q.table.isView) {
      const last = lastRow(joined)
      // JSON.parse rounds integers past 2^53: such a key cannot make an exact next token here.
      if (!exactKeys(last, q)) return null
      next = encodeNextToken(last, q.keys, q.sort)
    } else {
      next = String(q.offset + q.size)
    }
  }
  return { rowsJson: '[' + joined + ']', next }
}

/** The last object of the comma-joined rows, parsed: its key (and sort) values make the next token. */
function lastRow(joined: string): Record<string, unknown> {
  const start = joined.lastIndexOf('},{"')
  return JSON.parse(start === -1 ? joined : joined.slice(start + 2)) as Record<string, unknown>
}

function exactKeys(row: Record<string, unknown>, q: TableQuery): boolean {
  for (const column of q.sort ? [...q.keys, q.sort.column] : q.keys) {
    const value = row[column]
    if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) return false
  }
  return true
}

/**
 * `select group_concat(j, ','), count(*) from (select json_object(…) as j … limit size + 1)`.
 * The aggregate reads the subquery's rows in the subquery's order: a LIMIT subquery runs as
 * a co-routine feeding the aggregate row by row (the pagination tests walk whole tables
 * through this and would see any reordering).
 */
function pageJsonSql(q: TableQuery): { sql: string; params: Record<string, unknown> } {
  const pairs = q.columns.map((column) => `${sqlString(column)}, ${quoteIdentifier(column)}`).join(', ')
  const inner = pageSql(q, q.size + 1, `json_object(${pairs}) as j`)
  return { sql: `select group_concat(j, ','), count(*) from (${inner.sql})`, params: inner.params }
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

/** One page of rows in JavaScript: where `db.query()` places generated SQL (this thread when cheap, else a SQL thread), in the SQL processes when `_where` brought user SQL. */
export async function fetchPage(db: DatabaseHandle, q: TableQuery, limitMs: number): Promise<PageResult> {
  const { fetchQuery, sql, params } = pagePlan(q)
  let set: RowSet
  try {
    if (q.userSql) {
      set = await db.execute(sql, params, { maxRows: q.size + 1, timeLimitMs: limitMs })
    } else {
      set = { columns: fetchQuery.columns, rows: (await db.query(sql, params, { timeLimitMs: limitMs })).rows }
    }
  } catch (error) {
    asBadRequest(error)
  }
  let next: string | null = null
  if (set.rows.length > q.size) {
    set.rows.length = q.size
    next = nextToken(q, fetchQuery.columns, set.rows[q.size - 1])
  }
  if (fetchQuery !== q) set = { columns: q.columns, rows: set.rows.map((row) => row.slice(0, q.columns.length)) }
  return { set, next, truncated: false }
}

/**
 * The statement of a page: its columns, plus the sort column when `_col` left it out (the
 * next token needs it), and one row more than the page (whether there is a next page).
 */
export function pagePlan(q: TableQuery): { fetchQuery: TableQuery; sql: string; params: Record<string, unknown> } {
  const fetchQuery = q.sort && !q.columns.includes(q.sort.column) ? { ...q, columns: [...q.columns, q.sort.column] } : q
  return { fetchQuery, ...pageSql(fetchQuery, q.size + 1) }
}

/** The `_next` token after `last`, a row of `columns` (the page's last row): an offset for views, a keyset for tables. */
export function nextToken(q: TableQuery, columns: readonly string[], last: unknown[] | undefined): string | null {
  if (q.table.isView) return String(q.offset + q.size)
  if (!last) return null
  return encodeNextToken(Object.fromEntries(columns.map((column, i) => [column, last[i]])), q.keys, q.sort)
}
