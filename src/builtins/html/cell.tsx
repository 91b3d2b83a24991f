/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */

/** Only these become links: a `javascript:` or `data:` URL in a cell stays text. */
const LINKABLE = /^https?:\/\/[^\s<>"]+$/i

/**
 * One value as a table cell shows it. hono/jsx escapes every text and attribute, so a cell
 * holding `<script>` is that text; NULL is a muted `null`, long text is cut at
 * `truncate_cells_html` with the whole a click away, BLOBs say their size, URLs are links
 * that give away nothing (`nofollow noreferrer`).
 */
export function Cell({ value, truncateAt }: { value: unknown; truncateAt: number }) {
  if (value === null || value === undefined) return <span class="null">null</span>
  if (value instanceof Uint8Array) return <span class="null">{`<Binary: ${value.length} byte${value.length === 1 ? '' : 's'}>`}</span>
  if (typeof value !== 'string') return <>{String(value)}</>
  if (LINKABLE.test(value) && value.length <= 2048) {
    return (
      <a href={value} rel="nofollow noreferrer">
        {value}
      </a>
    )
  }
  if (truncateAt > 0 && value.length > truncateAt) {
    return (
      <details class="cell">
        <summary>{value.slice(0, truncateAt)}…</summary>
        {value}
      </details>
    )
  }
  return <>{value}</>
}

export const isNumeric = (value: unknown) => typeof value === 'number' || typeof value === 'bigint'
