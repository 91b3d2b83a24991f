import { cacheControl, queryOf, type Ctx } from '../context.ts'
import { databaseColor, rowCount, visibleTables } from './database.ts'
import { tildeEncode } from '../tilde.ts'

const TRUNCATE_AT = 5

/** GET /.json — the databases the actor may see, with a summary of each, keyed by name. */
export async function indexView(c: Ctx) {
  const ds = c.get('ds')
  const actor = c.get('actor')
  await ds.ensureAllowed({ actor, action: 'view-instance' }, 'You do not have permission to view this instance')
  const body: Record<string, unknown> = {}
  for (const db of ds.databases.values()) {
    if (!(await ds.allowed({ actor, action: 'view-database', resource: db.name }))) continue
    const { tables, views } = await visibleTables(ds, actor, db)
    const visible = tables.filter((table) => !table.hidden)
    const hidden = tables.filter((table) => table.hidden)
    const counts = new Map(visible.map((table) => [table.name, rowCount(db, table)]))
    const sorted = [...visible].sort((a, b) => (counts.get(b.name) ?? 0) - (counts.get(a.name) ?? 0) || a.name.localeCompare(b.name))
    body[db.name] = {
      name: db.name,
      hash: null,
      color: databaseColor(db.name),
      path: `/${tildeEncode(db.name)}`,
      tables_and_views_truncated: [...sorted, ...views].slice(0, TRUNCATE_AT).map((table) => ({
        name: table.name,
        columns: table.columns.map((column) => column.name),
        primary_keys: table.primaryKeys,
        count: table.isView ? null : (counts.get(table.name) ?? null),
        hidden: table.hidden,
        fts_table: table.ftsTable,
        num_relationships_for_sorting: table.foreignKeys.incoming.length + table.foreignKeys.outgoing.length,
      })),
      tables_and_views_more: visible.length + views.length > TRUNCATE_AT,
      tables_count: visible.length,
      table_rows_sum: [...counts.values()].reduce<number>((sum, n) => sum + (n ?? 0), 0),
      show_table_row_counts: true,
      hidden_table_rows_sum: hidden.reduce((sum, table) => sum + (rowCount(db, table) ?? 0), 0),
      hidden_tables_count: hidden.length,
      views_count: views.length,
      private: !(await ds.allowed({ actor: null, action: 'view-database', resource: db.name })),
    }
  }
  return c.json(body, 200, { 'Cache-Control': cacheControl(c, queryOf(c)) })
}
