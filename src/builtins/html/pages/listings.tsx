/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { HtmlView } from '../../../plugin-api.ts'

type Index = Extract<HtmlView, { view: 'index' }>
type Database = Extract<HtmlView, { view: 'database' }>

const rows = (count: number | null) => (count === null ? '' : `${count.toLocaleString('en')} row${count === 1 ? '' : 's'}`)

/** `/`: the databases this actor may see, with their biggest tables. */
export function IndexPage({ page }: { page: Index }) {
  return (
    <>
      <h1>Databases</h1>
      {page.databases.length === 0 ? <p class="meta">There is nothing you may see here.</p> : null}
      {page.databases.map((db) => (
        <section>
          <h2>
            <a href={db.path}>{db.name}</a>
          </h2>
          <p class="meta">
            {`${db.tablesCount} table${db.tablesCount === 1 ? '' : 's'}, ${db.viewsCount} view${db.viewsCount === 1 ? '' : 's'}, ${rows(db.rowsSum)}`}
          </p>
          <ul class="listing">
            {db.tables.map((table) => (
              <li>
                <a href={table.path}>{table.name}</a> <span class="meta">{rows(table.count)}</span>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  )
}

/** `/DB`: its tables and views, and a SQL box for those who may run SQL. */
export function DatabasePage({ page }: { page: Database }) {
  return (
    <>
      <h1>{page.database}</h1>
      {page.canExecuteSql ? (
        <form method="get" action={page.queryPath} aria-label="Run SQL">
          <label for="sql">SQL query</label>
          <textarea id="sql" class="sql" name="sql">
            select * from {page.tables[0] ? quoteName(page.tables[0].name) : 'sqlite_master'} limit 10
          </textarea>
          <p>
            <button type="submit">Run SQL</button>
          </p>
        </form>
      ) : null}
      <h2>Tables</h2>
      {page.tables.length === 0 ? <p class="meta">No tables you may see.</p> : null}
      <ul class="listing">
        {page.tables
          .filter((table) => !table.hidden)
          .map((table) => (
            <li>
              <a href={table.path}>{table.name}</a> <span class="meta">{[rows(table.count), table.fts ? 'full-text search' : '', table.columns.join(', ')].filter(Boolean).join(' · ')}</span>
            </li>
          ))}
      </ul>
      {page.views.length > 0 ? (
        <>
          <h2>Views</h2>
          <ul class="listing">
            {page.views.map((view) => (
              <li>
                <a href={view.path}>{view.name}</a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  )
}

function quoteName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`
}
