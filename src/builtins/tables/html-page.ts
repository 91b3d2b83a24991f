import { pathFor, tildeEncode, urlFor, type DatabaseHandle, type HtmlTablePage, type HtmlView } from '../../plugin-api.ts'
import type { Ctx } from './context.ts'
import { FILTER_OPS, parseFilters } from './filters.ts'
import type { TableInfo } from './schema.ts'
import type { TableQuery } from './table-query.ts'

/**
 * A page for a browser: whatever plugin answers `renderHtml` draws it (the built-in html
 * plugin, or a replacement); with none, the view's JSON answers, as before pages existed.
 */
export async function htmlOr(c: Ctx, page: HtmlView, json: () => Response | Promise<Response>): Promise<Response> {
  const ds = c.get('ds')
  const drawn = await ds.plugins.hook.renderHtml({ ds, request: c.req.raw, actor: c.get('actor') ?? null, page })
  return drawn ?? json()
}

/** `/DB/TABLE` → `/DB/TABLE.json` (the same query): the JSON twin of a page. */
export function withExtension(c: Ctx, extension: string, changes: Record<string, string | null> = {}): string {
  const path = c.req.path.replace(/\/$/, '')
  return pathFor(c, changes, `${path}.${extension}`)
}

/** What the table page shows: its rows as SQLite gave them, and every link it needs, built once here. */
export function tablePage(c: Ctx, db: DatabaseHandle, table: TableInfo, q: TableQuery, query: URLSearchParams, rows: unknown[][], columns: string[], next: string | null, count: number | null): HtmlTablePage {
  const keyIndexes = q.keys.map((key) => columns.indexOf(key))
  const tablePath = `/${tildeEncode(db.name)}/${tildeEncode(table.name)}`
  const linked = !table.isView && !keyIndexes.includes(-1)
  const rowPaths = rows.map((row) => (linked ? `${tablePath}/${keyIndexes.length === 1 ? keyPart(row[keyIndexes[0]!]) : keyIndexes.map((i) => keyPart(row[i])).join(',')}` : null))
  // One URL built without sort and position; each column's two links add theirs to it.
  const unsorted = pathFor(c, { _sort: null, _sort_desc: null, _next: null })
  const joiner = unsorted.includes('?') ? '&' : '?'
  const sortBy: Record<string, { asc: string; desc: string }> = Object.create(null)
  for (const column of columns) {
    const name = encodeURIComponent(column)
    sortBy[column] = { asc: `${unsorted}${joiner}_sort=${name}`, desc: `${unsorted}${joiner}_sort_desc=${name}` }
  }
  const tokenParam = [...c.get('ds').credentialParams].find((name) => query.has(name))
  const csvUrl = urlFor(c, { _next: null }, `${c.req.path.replace(/\/$/, '')}.csv`)
  return {
    importData: tokenParam === undefined ? null : `=IMPORTDATA("${csvUrl}${csvUrl.includes('?') ? '&' : '?'}${tokenParam}=YOUR_TOKEN")`,
    database: db.name,
    databasePath: `/${tildeEncode(db.name)}`,
    table: table.name,
    isView: table.isView,
    columns,
    primaryKeys: q.keys,
    rows,
    rowPaths,
    sort: q.sort ? { column: q.sort.column, desc: q.sort.desc } : null,
    size: query.get('_size'),
    sortable: columns,
    filters: parseFilters(query).map((filter) => ({ column: filter.column, op: filter.op, value: filter.value })),
    operations: FILTER_OPS,
    search: query.get('_search'),
    fts: table.ftsTable !== null,
    count,
    humanDescription: q.humanDescription,
    urls: {
      next: next === null ? null : pathFor(c, { _next: next }),
      json: withExtension(c, 'json'),
      csv: withExtension(c, 'csv', { _next: null }),
      csvStream: withExtension(c, 'csv', { _next: null, _stream: 'on', _dl: '1' }),
      sortBy,
      clearFilters: tablePath,
    },
  }
}

/** One key in a row's path: an integer's digits need no encoding (most keys are integers). */
function keyPart(value: unknown): string {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value)) ? String(value) : tildeEncode(String(value))
}

const FORM_FIELD = /^_filter_(column|op|value)(?:_(\d{1,3}))?$/
const NO_VALUE = new Set(['isnull', 'notnull', 'isblank', 'notblank'])

/**
 * The filter form of a table page sends `_filter_column_N`, `_filter_op_N`,
 * `_filter_value_N` (a form cannot name a field after what a select says); they become
 * Datasette's `column__op=value` in a redirect, so the address bar shows the real URL and
 * every link on the next page keeps the filters. Null when the request is no form submission.
 */
export function filterFormRedirect(c: Ctx): Response | null {
  const url = c.req.url
  if (!url.includes('_filter_')) return null
  const params = new URL(url).searchParams
  const rows = new Map<string, { column?: string; op?: string; value?: string }>()
  for (const [key, value] of params) {
    const match = FORM_FIELD.exec(key)
    if (!match) continue
    const row = rows.get(match[2] ?? '') ?? {}
    row[match[1] as 'column' | 'op' | 'value'] = value
    rows.set(match[2] ?? '', row)
  }
  if (rows.size === 0) return null
  const location = pathFor(c, (edited) => {
    for (const key of [...edited.keys()]) if (FORM_FIELD.test(key)) edited.delete(key)
    edited.delete('_next')
    if (edited.get('_search') === '') edited.delete('_search')
    for (const { column, op = 'exact', value = '' } of rows.values()) {
      if (!column || !FILTER_OPS.includes(op)) continue
      const plain = op === 'exact' && !column.startsWith('_') && !column.includes('__')
      edited.append(plain ? column : `${column}__${op}`, NO_VALUE.has(op) ? '1' : value)
    }
  })
  return new Response(null, { status: 302, headers: { Location: location } })
}
