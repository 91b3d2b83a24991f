/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { HtmlTablePage } from '../../../plugin-api.ts'
import { Cell, isNumeric } from '../cell.tsx'

/** Operations that take no value: the form sends `1`. */
const NO_VALUE = new Set(['isnull', 'notnull', 'isblank', 'notblank'])

/** /DB/TABLE: the filter form, the rows with sortable headers, the next page, the same view as JSON and CSV. */
export function TablePage({ page, truncateAt }: { page: HtmlTablePage; truncateAt: number }) {
  const filters = [...page.filters, { column: '', op: 'exact', value: '' }]
  const keyColumn = page.rowPaths.some((path) => path !== null)
  return (
    <>
      <h1>{page.table}</h1>
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
              <option value="">- column -</option>
              {page.columns.map((column) => (
                <option value={column} selected={column === filter.column}>
                  {column}
                </option>
              ))}
            </select>
            <label class="visually-hidden" for={`filter-op-${i}`}>
              Operation {i + 1}
            </label>
            <select id={`filter-op-${i}`} name={`_filter_op_${i + 1}`}>
              {page.operations.map((op) => (
                <option value={op} selected={op === filter.op}>
                  {op}
                </option>
              ))}
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
          <thead>
            <tr>
              {keyColumn ? <th scope="col">Link</th> : null}
              {page.columns.map((column) => {
                const current = page.sort?.column === column ? (page.sort.desc ? 'desc' : 'asc') : null
                return (
                  <th scope="col" aria-sort={current === 'asc' ? 'ascending' : current === 'desc' ? 'descending' : undefined}>
                    {column}
                    <span class="sort-links">
                      <a href={page.urls.sortBy[column]!.asc} aria-label={`Sort by ${column} ascending`} aria-current={current === 'asc' ? 'true' : undefined}>
                        ▲
                      </a>
                      <a href={page.urls.sortBy[column]!.desc} aria-label={`Sort by ${column} descending`} aria-current={current === 'desc' ? 'true' : undefined}>
                        ▼
                      </a>
                    </span>
                  </th>
                )
              })}
            </tr>
          </thead>
          <tbody>
            {page.rows.map((row, r) => (
              <tr>
                {keyColumn ? <td>{page.rowPaths[r] ? <a href={page.rowPaths[r]!}>{page.primaryKeys.map((key) => String(row[page.columns.indexOf(key)])).join(', ')}</a> : null}</td> : null}
                {row.map((value) => (
                  <td class={isNumeric(value) ? 'num' : undefined}>
                    <Cell value={value} truncateAt={truncateAt} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.rows.length === 0 ? <p class="meta">No rows.</p> : null}
      <p class="pager">{page.urls.next ? <a href={page.urls.next} rel="next">Next page</a> : null}</p>
      <p class="links">
        <a href={page.urls.json}>JSON</a>
        <a href={page.urls.csv}>CSV</a>
        <a href={page.urls.csvStream}>CSV (all rows, download)</a>
      </p>
    </>
  )
}
