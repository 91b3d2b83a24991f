/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { HtmlView, MenuLink } from '../../../plugin-api.ts'
import { Actions } from '../actions.tsx'
import { ResultTable } from '../result-table.tsx'
import { blobLink, cell, type CellOverrides } from '../cell.ts'
import { raw } from 'hono/html'

type Row = Extract<HtmlView, { view: 'row' }>
type Query = Extract<HtmlView, { view: 'query' }>
type Failure = Extract<HtmlView, { view: 'error' }>

/** /DB/TABLE/PK: one row, a column a line. */
export function RowPage({ page, truncateAt, actions, overrides }: { page: Row; truncateAt: number; actions: MenuLink[]; overrides: CellOverrides }) {
  return (
    <>
      <h1>
        {page.table}: {page.primaryKeys.map((key) => String(page.row[page.columns.indexOf(key)])).join(', ')}
      </h1>
      <Actions label="Row actions" links={actions} />
      <dl class="row">
        {page.columns.map((column, i) => (
          <>
            <dt>{column}</dt>
            <dd>{overrides?.[0]?.[i] !== undefined ? raw(overrides[0][i]) : page.row[i] instanceof Uint8Array ? raw(blobLink(page.row[i], `${page.rowPath}.blob?_blob_column=${encodeURIComponent(column)}`)) : cell(page.row[i], truncateAt)}</dd>
          </>
        ))}
      </dl>
      <p class="links">
        <a href={page.tablePath}>All rows of {page.table}</a>
        <a href={page.jsonPath}>JSON</a>
      </p>
    </>
  )
}

/** /DB/-/query?sql=: the SQL in a textarea, and its results (or why there are none). */
export function QueryPage({ page, truncateAt, overrides }: { page: Query; truncateAt: number; overrides: CellOverrides }) {
  return (
    <>
      <h1>Query {page.database}</h1>
      <form method="get" action={`${page.databasePath}/-/query`} aria-label="Run SQL">
        <label for="sql">SQL query</label>
        <textarea id="sql" class="sql" name="sql">
          {page.sql}
        </textarea>
        <p>
          <button type="submit">Run SQL</button>
        </p>
      </form>
      {page.error !== null ? (
        <p class="error" role="alert">
          {page.error}
        </p>
      ) : page.sql === '' ? null : (
        <>
          <p class="meta">
            {`${page.rows.length} row${page.rows.length === 1 ? '' : 's'}`}
            {page.truncated ? ' (truncated)' : ''}
          </p>
          <ResultTable columns={page.columns} rows={page.rows} truncateAt={truncateAt} overrides={overrides} />
          <p class="links">
            <a href={page.jsonPath}>JSON</a>
            <a href={page.csvPath}>CSV</a>
          </p>
        </>
      )}
    </>
  )
}

const REASONS: Record<number, string> = { 400: 'Bad request', 401: 'Sign-in needed', 403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed', 429: 'Too many requests', 500: 'Server error', 503: 'Unavailable' }

/** An error, for a person: the status and the message, nothing more (no stack, ever). */
export function ErrorPage({ page }: { page: Failure }) {
  return (
    <>
      <h1>
        {page.status} {Object.hasOwn(REASONS, page.status) ? REASONS[page.status] : 'Error'}
      </h1>
      <p class="error">{page.message}</p>
    </>
  )
}
