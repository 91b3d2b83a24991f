/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { HtmlTablePage, MenuLink } from '../../../plugin-api.ts'
import { Actions } from '../actions.tsx'
import { ResultTable } from '../result-table.tsx'
import { raw } from 'hono/html'
import { escapeHtml, optionsHtml, rowsHtml, type CellOverrides } from '../cell.ts'

/** Operations that take no value: the form sends `1`. */
const NO_VALUE = new Set(['isnull', 'notnull', 'isblank', 'notblank'])

/** /DB/TABLE: the filter form, the rows with sortable headers, the next page, the same view as JSON and CSV. */
export function TablePage({ page, embed, truncateAt, actions, overrides }: { page: HtmlTablePage; embed: string | null; truncateAt: number; actions: MenuLink[]; overrides: CellOverrides }) {
  if (embed !== null) return <EmbeddedTable page={page} embed={embed} truncateAt={truncateAt} overrides={overrides} />
  const filters = [...page.filters, { column: '', op: 'exact', value: '' }]
  const keyColumn = page.rowPaths.some((path) => path !== null)
  return (
    <>
      <h1>{page.table}</h1>
      <Actions label="Table actions" links={actions} />
      <p class="meta">
        {page.count === null ? '' : `${page.count.toLocaleString('en')} row${page.count === 1 ? '' : 's'}`}
        {page.humanDescription ? ` ${page.humanDescription}` : ''}
      </p>
      <form class="filters" method="get" action={page.urls.clearFilters} aria-label="Filter rows">
        {page.fts ? (
          <div class="filter-row">
            <label for="search">Search</label>
            <input id="search" type="search" name="_search" value={page.search ?? ''} />
          </div>
        ) : null}
        {filters.map((filter, i) => (
          <div class="filter-row">
            <label class="visually-hidden" for={`filter-column-${i}`}>
              Column {i + 1}
            </label>
            <select id={`filter-column-${i}`} name={`_filter_column_${i + 1}`}>
              {optionsHtml(page.columns, filter.column, '- column -')}
            </select>
            <label class="visually-hidden" for={`filter-op-${i}`}>
              Operation {i + 1}
            </label>
            <select id={`filter-op-${i}`} name={`_filter_op_${i + 1}`}>
              {optionsHtml(page.operations, filter.op)}
            </select>
            <label class="visually-hidden" for={`filter-value-${i}`}>
              Value {i + 1}
            </label>
            <input id={`filter-value-${i}`} name={`_filter_value_${i + 1}`} value={NO_VALUE.has(filter.op) ? '' : filter.value} />
          </div>
        ))}
        {page.sort ? <input type="hidden" name={page.sort.desc ? '_sort_desc' : '_sort'} value={page.sort.column} /> : null}
        {page.size !== null ? <input type="hidden" name="_size" value={page.size} /> : null}
        <div class="filter-row">
          <button type="submit">Apply</button>
          {page.filters.length > 0 || page.search ? <a href={page.urls.clearFilters}>Clear filters</a> : null}
        </div>
      </form>
      <div class="table-wrap">
        <table class="rows">
          <thead>{headerHtml(page, keyColumn)}</thead>
          <tbody>
            {rowsHtml(page.rows, truncateAt, {
              lead: keyColumn ? rowLink(page) : undefined,
              overrides,
              blobHref: (r, c) => (page.rowPaths[r] ? `${page.rowPaths[r]}.blob?_blob_column=${encodeURIComponent(page.columns[c]!)}` : null),
            })}
          </tbody>
        </table>
      </div>
      {page.rows.length === 0 ? <p class="meta">No rows.</p> : null}
      <p class="pager">{page.urls.next ? <a href={page.urls.next} rel="next">Next page</a> : null}</p>
      {page.importData ? (
        <p>
          <label for="importdata">Google Sheets (paste your token for YOUR_TOKEN)</label>
          <br />
          <input id="importdata" class="token" readonly size={90} value={page.importData} />
        </p>
      ) : null}
      <p class="links">
        <a href={page.urls.json}>JSON</a>
        <a href={page.urls.csv}>CSV</a>
        <a href={page.urls.csvStream}>CSV (all rows, download)</a>
      </p>
    </>
  )
}

/** The first cell of each row: its key, linking to the row's page. */
function rowLink(page: HtmlTablePage): (row: unknown[], index: number) => string {
  const keyIndexes = page.primaryKeys.map((key) => page.columns.indexOf(key))
  const label = (value: unknown) => (typeof value === 'bigint' || typeof value === 'number' ? String(value) : escapeHtml(String(value)))
  return (row, r) => {
    const path = page.rowPaths[r]
    if (!path) return ''
    const text = keyIndexes.length === 1 ? label(row[keyIndexes[0]!]) : keyIndexes.map((i) => label(row[i])).join(', ')
    return `<a href="${escapeHtml(path)}">${text}</a>`
  }
}

/** The header row: each column with links sorting by it either way, the current one marked (for eyes and for screen readers). */
function headerHtml(page: HtmlTablePage, keyColumn: boolean) {
  let html = '<tr>'
  if (keyColumn) html += '<th scope="col">Link</th>'
  for (const column of page.columns) {
    const name = escapeHtml(column)
    const current = page.sort?.column === column ? (page.sort.desc ? 'desc' : 'asc') : null
    const links = page.urls.sortBy[column]!
    html += `<th scope="col"${current ? ` aria-sort="${current === 'asc' ? 'ascending' : 'descending'}"` : ''}>${name}<span class="sort-links">`
    html += `<a href="${escapeHtml(links.asc)}" aria-label="Sort by ${name} ascending"${current === 'asc' ? ' aria-current="true"' : ''}>▲</a>`
    html += `<a href="${escapeHtml(links.desc)}" aria-label="Sort by ${name} descending"${current === 'desc' ? ' aria-current="true"' : ''}>▼</a></span></th>`
  }
  return raw(html + '</tr>')
}

/**
 * The table inside an embed link's iframe: the rows and the next page, nothing leading
 * anywhere the link does not cover (no filters, sort links, row pages or downloads).
 */
function EmbeddedTable({ page, embed, truncateAt, overrides }: { page: HtmlTablePage; embed: string; truncateAt: number; overrides: CellOverrides }) {
  const next = page.urls.next === null ? null : `${page.urls.next}&_embed=${encodeURIComponent(embed)}`
  return (
    <>
      <h1>{page.table}</h1>
      <p class="meta">{page.count === null ? '' : `${page.count.toLocaleString('en')} row${page.count === 1 ? '' : 's'}`}</p>
      <ResultTable columns={page.columns} rows={page.rows} truncateAt={truncateAt} overrides={overrides} />
      <p class="pager">{next ? <a href={next} rel="next">Next page</a> : null}</p>
    </>
  )
}
