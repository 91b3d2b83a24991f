import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import type { Dataserve } from '../../../dataserve.ts'
import type { DatabaseHandle } from '../../../databases.ts'
import type { Actor } from '../../../types.ts'
import { cacheControl, queryOf, type Ctx } from '../context.ts'
import { schemaFor, type TableInfo } from '../schema.ts'
import { quoteIdentifier } from '../sql.ts'
import { rawStatement } from '../statements.ts'
import { tildeEncode } from '../tilde.ts'

/** GET /DB.json — the tables and views of one database that the actor may see. */
export async function databaseView(c: Ctx, db: DatabaseHandle) {
  const ds = c.get('ds')
  const actor = c.get('actor')
  await ds.ensureAllowed({ actor, action: 'view-database', resource: db.name }, 'You do not have permission to view this database')
  const { tables, views } = await visibleTables(ds, actor, db)
  const body = {
    ok: true,
    database: db.name,
    private: !(await ds.allowed({ actor: null, action: 'view-database', resource: db.name })),
    path: `/${tildeEncode(db.name)}`,
    size: db.path === null ? 0 : statSync(db.path).size,
    tables: tables.map((table) => tableSummary(db, table)),
    hidden_count: tables.filter((table) => table.hidden).length,
    views: views.map((view) => ({ name: view.name })),
    queries: [],
    allow_execute_sql: await ds.allowed({ actor, action: 'execute-sql', resource: db.name }),
  }
  return c.json(body, 200, { 'Cache-Control': cacheControl(c, queryOf(c)) })
}

/** Tables and views of `db` that `actor` may view; the others are left out, names and all. */
export async function visibleTables(ds: Dataserve, actor: Actor | null, db: DatabaseHandle) {
  const tables: TableInfo[] = []
  const views: TableInfo[] = []
  for (const table of schemaFor(db).tables.values()) {
    if (!(await ds.allowed({ actor, action: 'view-table', resource: [db.name, table.name] }))) continue
    ;(table.isView ? views : tables).push(table)
  }
  return { tables, views }
}

export function tableSummary(db: DatabaseHandle, table: TableInfo) {
  return {
    name: table.name,
    columns: table.columns.map((column) => column.name),
    primary_keys: table.primaryKeys,
    count: rowCount(db, table),
    hidden: table.hidden,
    fts_table: table.ftsTable,
    foreign_keys: table.foreignKeys,
  }
}

export function rowCount(db: DatabaseHandle, table: TableInfo): number | null {
  try {
    return Number((rawStatement(db.connection, `select count(*) from ${quoteIdentifier(table.name)}`).get() as [bigint])[0])
  } catch {
    return null
  }
}

/** Datasette's colour for a database: the first six hex digits of the MD5 of its name. */
export function databaseColor(name: string): string {
  return createHash('md5').update(name).digest('hex').slice(0, 6)
}
