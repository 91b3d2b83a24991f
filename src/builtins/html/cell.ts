import { raw } from 'hono/html'
import { escapeHtml } from '../../plugin-api.ts'

/** Only these become links: a `javascript:` or `data:` URL in a cell stays text. */
const LINKABLE = /^https?:\/\/[^\s<>"]+$/i
export { escapeHtml }

/**
 * One value as a cell shows it: NULL a muted `null`, long text cut at `truncate_cells_html`
 * with the whole a click away, BLOBs their size, http(s) URLs links that give nothing away
 * (`nofollow noreferrer`), everything escaped. A string, not JSX: a table page draws
 * thousands of cells, and building a node for each cost five times the whole JSON page.
 */
export function cellHtml(value: unknown, truncateAt: number): string {
  // Numbers first: most cells, and their digits need no escaping.
  if (typeof value === 'bigint' || typeof value === 'number') return String(value)
  if (value === null || value === undefined) return '<span class="null">null</span>'
  if (value instanceof Uint8Array) return blobLink(value, null)
  if (typeof value !== 'string') return escapeHtml(String(value))
  // 'h' or 'H': only a string starting so can be a URL worth a regex.
  const first = value.charCodeAt(0)
  if ((first === 104 || first === 72) && value.length <= 2048 && LINKABLE.test(value)) {
    const url = escapeHtml(value)
    return `<a href="${url}" rel="nofollow noreferrer">${url}</a>`
  }
  if (truncateAt > 0 && value.length > truncateAt) return `<details class="cell"><summary>${escapeHtml(value.slice(0, truncateAt))}…</summary>${escapeHtml(value)}</details>`
  return escapeHtml(value)
}

export const isNumeric = (value: unknown) => typeof value === 'number' || typeof value === 'bigint'

/** Cells a plugin drew (`renderCell`), by row and column: markup, already safe. */
export type CellOverrides = (string | undefined)[][] | null

/** What a result table may add to its cells: a first cell per row, cells plugins drew, download links for BLOBs. */
export interface RowsOptions {
  lead?: (row: unknown[], index: number) => string
  overrides?: CellOverrides
  /** The download URL of a BLOB cell (`/DB/TABLE/PK.blob?_blob_column=C`), or null where there is none (views, queries). */
  blobHref?: (row: number, column: number) => string | null
}

/** The `<tr>`s of a result table, as markup JSX takes as is (every value went through cellHtml, or a plugin's renderCell). */
export function rowsHtml(rows: readonly unknown[][], truncateAt: number, { lead, overrides = null, blobHref }: RowsOptions = {}) {
  let html = ''
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    html += '<tr>'
    if (lead) html += `<td>${lead(row, r)}</td>`
    const drawnRow = overrides === null ? undefined : overrides[r]
    for (let c = 0; c < row.length; c++) {
      const value = row[c]
      const drawn = drawnRow === undefined ? undefined : drawnRow[c]
      if (drawn !== undefined) html += `<td>${drawn}</td>`
      else if (typeof value === 'number') html += `<td class="num">${value}</td>`
      else if (typeof value === 'bigint') html += '<td class="num">' + value.toString() + '</td>'
      else if (value instanceof Uint8Array && blobHref) html += `<td>${blobLink(value, blobHref(r, c))}</td>`
      else html += `<td>${cellHtml(value, truncateAt)}</td>`
    }
    html += '</tr>'
  }
  return raw(html)
}

/** A BLOB: its size, as a download link when it has a URL. */
export function blobLink(value: Uint8Array, href: string | null): string {
  const label = `&lt;Binary: ${value.length} byte${value.length === 1 ? '' : 's'}&gt;`
  return href === null ? `<span class="null">${label}</span>` : `<a href="${escapeHtml(href)}" download="">${label}</a>`
}

export const cell = (value: unknown, truncateAt: number) => raw(cellHtml(value, truncateAt))

/** `<option>`s for a select, one of them selected: repeated for every filter row, so a string too. */
export function optionsHtml(values: readonly string[], selected: string, blank?: string) {
  let html = blank === undefined ? '' : `<option value="">${escapeHtml(blank)}</option>`
  for (const value of values) {
    const text = escapeHtml(value)
    html += value === selected ? `<option value="${text}" selected="">${text}</option>` : `<option value="${text}">${text}</option>`
  }
  return raw(html)
}
