import { UNSTABLE_API_MESSAGE } from '../datasette-compat.ts'
import { cacheControl, queryOf, type Ctx } from '../context.ts'
import { databaseColor, instanceMetadata } from '../metadata.ts'
import { rowCount, visibleTables } from './database.ts'
import { tildeEncode, type HtmlView } from '../../../plugin-api.ts'
import { htmlOr } from '../html-page.ts'

const TRUNCATE_AT = 5

/**
 * GET /.json — the databases the actor may see, in Datasette 1.0's shape:
 * `{"ok", "unstable", "databases": [{name, hash, color, path, tables_and_views_truncated, …}], "metadata"}`.
 */
export async function indexView(c: Ctx, format: 'json' | 'html' = 'json'): Promise<Response> {
  const ds = c.get('ds')
  const actor = c.get('actor')
  await ds.ensureAllowed({ actor, action: 'view-instance' }, 'You do not have permission to view this instance')
  const databases: Record<string, unknown>[] = []
  for (const db of ds.databases.values()) {
    if (!(await ds.allowed({ actor, action: 'view-database', resource: db.name }))) continue
    const { tables, views } = await visibleTables(ds, actor, db)
    const counts = new Map(await Promise.all(tables.map(async (table) => [table.info.name, await rowCount(db, table.info)] as const)))
    const summaries = tables.map(({ info, private: isPrivate }) => ({
      name: info.name,
      columns: info.columns.map((column) => column.name),
      primary_keys: info.primaryKeys,
      count: counts.get(info.name) ?? null,
      hidden: info.hidden,
      fts_table: info.ftsTable,
      num_relationships_for_sorting: 0,
      private: isPrivate,
    }))
    const visible = summaries.filter((table) => !table.hidden)
    const hidden = summaries.filter((table) => table.hidden)
    // Datasette's order: most rows first, ties by name, descending; then views to fill up.
    const truncated: Record<string, unknown>[] = [...visible]
      .sort((a, b) => (b.count ?? 0) - (a.count ?? 0) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0))
      .slice(0, TRUNCATE_AT)
    for (const view of views.slice(0, Math.max(0, TRUNCATE_AT - truncated.length))) truncated.push({ name: view.info.name, private: view.private })
    databases.push({
      name: db.name,
      hash: null,
      color: databaseColor(db.name),
      path: `/${tildeEncode(db.name)}`,
      tables_and_views_truncated: truncated,
      tables_and_views_more: visible.length + views.length > TRUNCATE_AT,
      tables_count: visible.length,
      table_rows_sum: visible.reduce((sum, table) => sum + (table.count ?? 0), 0),
      show_table_row_counts: true,
      hidden_table_rows_sum: hidden.reduce((sum, table) => sum + (table.count ?? 0), 0),
      hidden_tables_count: hidden.length,
      views_count: views.length,
      private: !(await ds.allowed({ actor: null, action: 'view-database', resource: db.name })),
    })
  }
  const body = { ok: true, unstable: UNSTABLE_API_MESSAGE, databases, metadata: instanceMetadata(ds) }
  const json = () => c.json(body, 200, { 'Cache-Control': cacheControl(c, queryOf(c)) })
  if (format === 'json') return json()
  const page: HtmlView = {
    view: 'index',
    databases: databases.map((db) => ({
      name: db.name as string,
      path: db.path as string,
      tables: (db.tables_and_views_truncated as { name: string; count?: number | null }[]).map((table) => ({ name: table.name, path: `${db.path}/${tildeEncode(table.name)}`, count: table.count ?? null })),
      tablesCount: db.tables_count as number,
      viewsCount: db.views_count as number,
      rowsSum: db.table_rows_sum as number,
    })),
  }
  return htmlOr(c, page, json)
}
