import { isOff, isOn, type RowSet } from '../../plugin-api.ts'
import { single, type Ctx } from './context.ts'
import type { TableInfo } from './schema.ts'
import { csvLine } from './csv-text.ts'

export { csvField, csvLine, pythonFloat } from './csv-text.ts'

/** A page as CSV; an expanded foreign key is two columns, `col` and `col_label`, as Datasette writes it. */
export function csvResponse(c: Ctx, table: TableInfo, set: RowSet, query: URLSearchParams, headers: Record<string, string>, labels: readonly string[]) {
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
