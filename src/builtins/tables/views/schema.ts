import { getTable, type Ctx } from '../context.ts'
import { rawStatement } from '../statements.ts'
import type { Actor, DatabaseHandle, Dataserve } from '../../../plugin-api.ts'

export type SchemaFormat = 'json' | 'md'

/**
 * Datasette's schema pages, which `dclient schema` reads: `/-/schema`, `/DB/-/schema` and
 * `/DB/TABLE/-/schema`, as `.json` (`{"ok", …, "schema"}`) or `.md` (a heading and a SQL
 * block). Unlike Datasette, a database's schema holds only the tables (and their indexes and
 * triggers) that the actor may view: a restricted table's name and columns stay hidden.
 */
export async function instanceSchemaView(c: Ctx, format: SchemaFormat) {
  const ds = c.get('ds')
  const actor = c.get('actor')
  const schemas: { database: string; schema: string }[] = []
  for (const db of ds.databases.values()) {
    if (!(await ds.allowed({ actor, action: 'view-database', resource: db.name }))) continue
    schemas.push({ database: db.name, schema: await visibleSchema(ds, actor, db) })
  }
  if (format === 'md') return markdown(c, schemas.map((item) => `# Schema for ${item.database}\n\n\`\`\`sql\n${item.schema}\n\`\`\``).join('\n\n'))
  return c.json({ ok: true, schemas })
}

export async function databaseSchemaView(c: Ctx, db: DatabaseHandle, format: SchemaFormat) {
  const ds = c.get('ds')
  const actor = c.get('actor')
  await ds.ensureAllowed({ actor, action: 'view-database', resource: db.name }, 'You do not have permission to view this database')
  const schema = await visibleSchema(ds, actor, db)
  if (format === 'md') return markdown(c, `# Schema for ${db.name}\n\n\`\`\`sql\n${schema}\n\`\`\`\n`)
  return c.json({ ok: true, database: db.name, schema })
}

export async function tableSchemaView(c: Ctx, db: DatabaseHandle, tableName: string, format: SchemaFormat) {
  const ds = c.get('ds')
  const actor = c.get('actor')
  await ds.ensureAllowed({ actor, action: 'view-table', resource: [db.name, tableName] }, 'You do not have permission to view this table')
  const table = getTable(db, tableName)
  const row = rawStatement(db.connection, 'select sql from sqlite_master where name = ? and sql is not null').get(table.name) as [string] | undefined
  const schema = row?.[0] ?? ''
  if (format === 'md') return markdown(c, `# Schema for ${db.name}.${table.name}\n\n\`\`\`sql\n${schema}\n\`\`\`\n`)
  return c.json({ ok: true, database: db.name, table: table.name, schema })
}

/** Every CREATE statement of the database whose table the actor may view, `;\n`-joined as Datasette joins them. */
async function visibleSchema(ds: Dataserve, actor: Actor | null, db: DatabaseHandle): Promise<string> {
  const entries = rawStatement(db.connection, 'select tbl_name, sql from sqlite_master where sql is not null').all() as [string, string][]
  const visible = new Map<string, boolean>()
  const kept: string[] = []
  for (const [table, sql] of entries) {
    if (!visible.has(table)) visible.set(table, await ds.allowed({ actor, action: 'view-table', resource: [db.name, table] }))
    if (visible.get(table)) kept.push(sql)
  }
  return kept.join(';\n')
}

function markdown(c: Ctx, text: string) {
  return c.body(text, 200, { 'Content-Type': 'text/markdown; charset=utf-8' })
}
