import { affinityOf } from './affinity.ts'
import type { RowSet } from '../../plugin-api.ts'
import { schemaFor, type ForeignKey, type TableInfo } from './schema.ts'
import { quoteIdentifier, type Actor, type DatabaseHandle, type Dataserve } from '../../plugin-api.ts'

/**
 * Foreign-key labels (`?_labels=on`, `?_label=COLUMN`), as Datasette expands them: a value
 * of a foreign-key column becomes `{"value": 3, "label": "Paris"}`, the label read from the
 * referenced table's label column.
 */

/**
 * The column that names a row of `table`: `label_column` in its config; else its one unique
 * text column; else a column called `name` or `title`; else, in a two-column table with
 * `id` or `pk`, the other column.
 */
export function labelColumn(ds: Dataserve, db: DatabaseHandle, table: TableInfo): string | null {
  const configured = ds.config.databases[db.name]?.tables?.[table.name]?.label_column
  if (typeof configured === 'string') return configured
  const uniqueText = uniqueColumns(db, table).filter((name) => affinityOf(table.columns.find((c) => c.name === name)?.type ?? '') === 'TEXT')
  if (uniqueText.length === 1) return uniqueText[0]!
  const names = table.columns.map((column) => column.name)
  const named = names.find((name) => ['name', 'title'].includes(name.toLowerCase()))
  if (named) return named
  if (names.length === 2 && (names.includes('id') || names.includes('pk')) && !(names.includes('id') && names.includes('pk'))) {
    return names.find((name) => name !== 'id' && name !== 'pk')!
  }
  return null
}

/** Columns with a unique index of their own. */
function uniqueColumns(db: DatabaseHandle, table: TableInfo): string[] {
  if (table.isView) return []
  const indexes = db.connection.prepare(`pragma index_list(${quoteIdentifier(table.name)})`).all() as { name: string; unique: number }[]
  const columns: string[] = []
  for (const index of indexes) {
    if (index.unique !== 1) continue
    const parts = db.connection.prepare(`pragma index_info(${quoteIdentifier(index.name)})`).all() as { name: string | null }[]
    if (parts.length === 1 && parts[0]!.name !== null) columns.push(parts[0]!.name)
  }
  return columns
}

/** Each outgoing foreign key of `table` with the label column of the table it points at: `_extra=expandable_columns`. */
export function expandableColumns(ds: Dataserve, db: DatabaseHandle, table: TableInfo): [ForeignKey, string | null][] {
  const tables = schemaFor(db).tables
  return table.foreignKeys.outgoing.map((fk) => {
    const other = tables.get(fk.other_table)
    return [fk, other ? labelColumn(ds, db, other) : null]
  })
}

/** Which columns `_labels` / `_label` ask to expand, among the table's foreign-key columns. */
export function columnsToExpand(query: URLSearchParams, table: TableInfo): string[] {
  const fkColumns = table.foreignKeys.outgoing.map((fk) => fk.column)
  if (query.has('_label')) return query.getAll('_label').filter((column) => fkColumns.includes(column))
  const labels = query.get('_labels')
  return labels !== null && ['1', 'on', 'true', 'yes'].includes(labels.toLowerCase()) ? fkColumns : []
}

/**
 * Replaces the values of `columns` in `set` with `{value, label}`, for foreign keys into
 * tables the actor may view (others are left as they are).
 */
export async function expandLabels(ds: Dataserve, actor: Actor | null, db: DatabaseHandle, table: TableInfo, columns: readonly string[], set: RowSet): Promise<void> {
  const tables = schemaFor(db).tables
  for (const column of columns) {
    const index = set.columns.indexOf(column)
    const fk = table.foreignKeys.outgoing.find((key) => key.column === column)
    const other = fk && tables.get(fk.other_table)
    if (index === -1 || !fk || !other) continue
    const otherColumn = fk.other_column ?? (other.primaryKeys.length === 1 ? other.primaryKeys[0]! : null)
    if (otherColumn === null) continue
    if (!(await ds.allowed({ actor, action: 'view-table', resource: [db.name, other.name] }))) continue
    const values = [...new Set(set.rows.map((row) => row[index]).filter((value) => value !== null && value !== undefined))]
    if (values.length === 0) continue
    const label = labelColumn(ds, db, other)
    const labels = new Map<string, unknown>()
    if (label === null) {
      for (const value of values) labels.set(keyOf(value), String(value))
    } else {
      const sql = `select ${quoteIdentifier(otherColumn)}, ${quoteIdentifier(label)} from ${quoteIdentifier(other.name)} where ${quoteIdentifier(otherColumn)} in (${values.map(() => '?').join(', ')})`
      for (const [key, text] of db.connection.prepare(sql).raw(true).safeIntegers(true).all(...values) as [unknown, unknown][]) labels.set(keyOf(key), text)
    }
    for (const row of set.rows) {
      const value = row[index]
      if (value !== null && value !== undefined && labels.has(keyOf(value))) row[index] = { value, label: labels.get(keyOf(value)) }
    }
  }
}

function keyOf(value: unknown): string {
  return `${typeof value === 'bigint' ? 'number' : typeof value}:${String(value)}`
}
