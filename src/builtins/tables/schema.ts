import { quoteIdentifier, type DatabaseHandle } from '../../plugin-api.ts'

export interface ColumnInfo {
  name: string
  /** Declared type, upper-cased ('' when none). */
  type: string
  /** Declared type as written in the schema. */
  declaredType: string
  notnull: boolean
  /** 1-based position in the primary key, 0 when not part of it. */
  pk: number
  /** The default as SQL text (`'hello'`, `datetime('now')`), or null. */
  defaultValue: string | null
  /** PRAGMA table_xinfo's `hidden`: 0 normal, 2 and 3 generated columns. */
  hidden: number
}

/**
 * A foreign key as Datasette lists it, from the point of view of the table it belongs to:
 * outgoing, `column` here refers to `other_column` of `other_table` (null when the key names
 * no column: the other table's primary key); incoming, `other_table.other_column` refers to
 * `column` here. Compound keys are left out, as Datasette does.
 */
export interface ForeignKey {
  other_table: string
  column: string
  other_column: string | null
}

export interface TableInfo {
  name: string
  isView: boolean
  columns: ColumnInfo[]
  columnNames: ReadonlySet<string>
  /** Declared primary key columns, in key order; empty for rowid tables and views. */
  primaryKeys: string[]
  /** No declared primary key: rows are addressed and paginated by rowid. */
  useRowid: boolean
  /** The FTS virtual table that indexes this table, if any. */
  ftsTable: string | null
  /** Internal or FTS tables that listings hide by default. */
  hidden: boolean
  /** Is this a virtual FTS table itself? (its own columns can be searched) */
  isFts: boolean
  foreignKeys: { incoming: ForeignKey[]; outgoing: ForeignKey[] }
}

export interface DatabaseSchema {
  version: number
  tables: ReadonlyMap<string, TableInfo>
}

const FTS_SHADOW_SUFFIXES = ['_content', '_segments', '_segdir', '_docsize', '_stat', '_data', '_idx', '_config']
const cache = new WeakMap<DatabaseHandle, DatabaseSchema & { checkedAt: number }>()

/** How often to ask SQLite whether another process changed the schema of a served file. */
const RECHECK_MS = 1000

/**
 * The tables and views of a database, with columns, keys, FTS and foreign keys: read once
 * and again when SQLite's schema_version changes (checked at most once a second, and never
 * for immutable files).
 */
export function schemaFor(db: DatabaseHandle): DatabaseSchema {
  const cached = cache.get(db)
  const now = performance.now()
  if (cached && (db.immutable || now - cached.checkedAt < RECHECK_MS)) return cached
  const version = db.connection.pragma('schema_version', { simple: true }) as number
  if (cached && cached.version === version) {
    cached.checkedAt = now
    return cached
  }
  const schema = { ...readSchema(db, version), checkedAt: now }
  cache.set(db, schema)
  return schema
}

function readSchema(db: DatabaseHandle, version: number): DatabaseSchema {
  const conn = db.connection
  const entries = conn
    .prepare("select name, type, sql from sqlite_master where type in ('table', 'view') order by name")
    .all() as { name: string; type: string; sql: string | null }[]
  const ftsTables = entries.filter((e) => e.type === 'table' && /^\s*create\s+virtual\s+table\b[\s\S]*\busing\s+fts\d/i.test(e.sql ?? ''))
  const shadow = new Set(ftsTables.flatMap((fts) => FTS_SHADOW_SUFFIXES.map((suffix) => fts.name + suffix)))
  const tables = new Map<string, TableInfo>()
  for (const entry of entries) {
    const columns = (conn.prepare(`pragma table_xinfo(${quoteIdentifier(entry.name)})`).all() as {
      name: string
      type: string
      notnull: number
      pk: number
      hidden: number
      dflt_value: string | null
    }[])
      .filter((c) => c.hidden === 0 || c.hidden === 2 || c.hidden === 3)
      .map((c) => ({ name: c.name, type: (c.type ?? '').toUpperCase(), declaredType: c.type ?? '', notnull: c.notnull === 1, pk: c.pk, defaultValue: c.dflt_value, hidden: c.hidden }))
    const isView = entry.type === 'view'
    const isFts = ftsTables.some((fts) => fts.name === entry.name)
    const primaryKeys = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name)
    const outgoing = isView ? [] : outgoingKeys(conn.prepare(`pragma foreign_key_list(${quoteIdentifier(entry.name)})`).all() as RawForeignKey[])
    tables.set(entry.name, {
      name: entry.name,
      isView,
      columns,
      columnNames: new Set(columns.map((c) => c.name)),
      primaryKeys,
      useRowid: !isView && primaryKeys.length === 0 && !isFts,
      ftsTable: null,
      hidden: entry.name.startsWith('sqlite_') || shadow.has(entry.name) || isFts,
      isFts,
      foreignKeys: { incoming: [], outgoing },
    })
  }
  for (const table of tables.values()) {
    for (const fk of table.foreignKeys.outgoing) tables.get(fk.other_table)?.foreignKeys.incoming.push({ other_table: table.name, column: fk.other_column as string, other_column: fk.column })
    table.ftsTable = table.isFts ? table.name : detectFts(table.name, ftsTables)
  }
  for (const table of tables.values()) {
    table.foreignKeys.incoming.sort(byKey)
    table.foreignKeys.outgoing.sort(byKey)
  }
  // FTS virtual tables have an implicit rowid too.
  for (const fts of ftsTables) {
    const info = tables.get(fts.name)
    if (info) info.useRowid = true
  }
  return { version, tables }
}

interface RawForeignKey {
  id: number
  table: string
  from: string
  to: string | null
}

/** Single-column foreign keys only: a compound key (several rows with one id) is left out. */
function outgoingKeys(rows: RawForeignKey[]): ForeignKey[] {
  const perId = new Map<number, number>()
  for (const row of rows) perId.set(row.id, (perId.get(row.id) ?? 0) + 1)
  return rows.filter((row) => perId.get(row.id) === 1).map((row) => ({ other_table: row.table, column: row.from, other_column: row.to }))
}

function byKey(a: ForeignKey, b: ForeignKey): number {
  const key = (fk: ForeignKey) => [fk.other_table, fk.column ?? '', fk.other_column ?? '']
  const [x, y] = [key(a), key(b)]
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1
  return 0
}

/** The FTS table indexing `table`: one declared with content="table", or named after it, as Datasette detects it. */
function detectFts(table: string, ftsTables: { name: string; sql: string | null }[]): string | null {
  const lower = table.toLowerCase()
  for (const fts of ftsTables) {
    const match = /content\s*=\s*(?:"((?:[^"]|"")*)"|'((?:[^']|'')*)'|\[([^\]]*)\]|([^\s,)]+))/i.exec(fts.sql ?? '')
    const content = match ? (match[1] ?? match[2] ?? match[3] ?? match[4] ?? '').replace(/""/g, '"').replace(/''/g, "'") : null
    if (content !== null && content.toLowerCase() === lower) return fts.name
  }
  for (const fts of ftsTables) {
    if (fts.name.toLowerCase() === `${lower}_fts`) return fts.name
  }
  return null
}
