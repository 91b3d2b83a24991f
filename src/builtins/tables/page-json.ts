import type { DatabaseHandle } from '../../databases.ts'
import type { TableInfo } from './schema.ts'
import { asBadRequest } from './context.ts'
import { encodeNextToken } from './keyset.ts'
import { rawStatement } from './statements.ts'
import { quoteIdentifier } from './sql.ts'
import { pageSql, type TableQuery } from './table-query.ts'

/** One page of rows already serialised as a JSON array of objects. */
export interface JsonPage {
  rowsJson: string
  next: string | null
}

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
export function pageJson(db: DatabaseHandle, q: TableQuery): JsonPage | null {
  if (holdsBlobs.has(q.table) || q.columns.length === 0 || q.columns.length > MAX_COLUMNS) return null
  // No rows asked for: no last row to point a next page at (as the JavaScript path answers).
  if (q.size === 0) return { rowsJson: '[]', next: null }
  if (q.sort && !q.columns.includes(q.sort.column)) return null
  const sql = pageJsonSql(q)
  let result: [string | null, number]
  try {
    result = rawStatement(db.connection, sql).get(q.params) as [string | null, number]
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
  if (joined.includes('e+999')) return null
  let next: string | null = null
  if (count > q.size) {
    // Drop the extra row that told us there is a next page. `},{"` marks the start of an
    // object and nothing else: inside a JSON string every `"` is escaped as `\"`.
    joined = joined.slice(0, joined.lastIndexOf('},{"') + 1)
    next = q.table.isView ? String(q.offset + q.size) : encodeNextToken(lastRow(joined), q.keys, q.sort)
  }
  return { rowsJson: '[' + joined + ']', next }
}

/** The last object of the comma-joined rows, parsed: its key (and sort) values make the next token. */
function lastRow(joined: string): Record<string, unknown> {
  const start = joined.lastIndexOf('},{"')
  return JSON.parse(start === -1 ? joined : joined.slice(start + 2)) as Record<string, unknown>
}

/**
 * `select group_concat(j, ','), count(*) from (select json_object(…) as j … limit size + 1)`.
 * The aggregate reads the subquery's rows in the subquery's order: a LIMIT subquery runs as
 * a co-routine feeding the aggregate row by row (the pagination tests walk whole tables
 * through this and would see any reordering).
 */
function pageJsonSql(q: TableQuery): string {
  const pairs = q.columns.map((column) => `${sqlString(column)}, ${quoteIdentifier(column)}`).join(', ')
  const inner = pageSql(q, q.size + 1, `json_object(${pairs}) as j`).sql
  return `select group_concat(j, ','), count(*) from (${inner})`
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}
