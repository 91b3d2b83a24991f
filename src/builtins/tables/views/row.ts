import { asBadRequest, cacheControl, getTable, queryOf, single, timeLimit, type Ctx } from '../context.ts'
import { extrasListing, requestedExtras } from '../extras.ts'
import { integerValue, keyColumns } from '../keyset.ts'
import { databaseColor, tableMetadata } from '../metadata.ts'
import { parseShape, renderShape } from '../render-json.ts'
import type { TableInfo } from '../schema.ts'
import { htmlOr, withExtension } from '../html-page.ts'
import { rawStatement } from '../statements.ts'
import { columnDetails } from '../table-extras.ts'
import { BadRequestError, NotFoundError, quoteIdentifier, tildeDecode, tildeEncode, type DatabaseHandle } from '../../../plugin-api.ts'

/**
 * GET /DB/TABLE/PK.json — one row by primary key (compound keys comma-joined) or rowid, in
 * Datasette's shape: `{ok, database, table, rows, primary_keys, primary_key_values, …extras,
 * query_ms, truncated}`; `primary_keys` is `["rowid"]` for a table without one.
 */
export async function rowView(c: Ctx, db: DatabaseHandle, tableName: string, pkPath: string, format: 'json' | 'html' = 'json'): Promise<Response> {
  const started = performance.now()
  const ds = c.get('ds')
  const actor = c.get('actor')
  const table = getTable(db, tableName)
  await ds.ensureAllowed({ actor, action: 'view-table', resource: [db.name, table.name] }, 'You do not have permission to view this table')
  if (table.isView) throw new NotFoundError(`Views do not have rows by key: ${table.name}`)
  const query = queryOf(c)
  const extras = requestedExtras(query, 'row')
  const shape = parseShape(single(query, '_shape'))
  if (shape === 'object') throw new BadRequestError('_shape=object is only available on tables')
  const keys = keyColumns(table)
  const values = pkPath.split(',').map(tildeDecode)
  if (values.length !== keys.length) throw new NotFoundError(`Record not found: ${pkPath}`)
  // Primary key columns first, as Datasette orders them.
  const others = table.columns.map((col) => col.name).filter((name) => !keys.includes(name))
  const columns = [...keys, ...others]
  const where = keys.map((key, i) => `${quoteIdentifier(key)} = :k${i}`).join(' and ')
  const params = Object.fromEntries(values.map((value, i) => [`k${i}`, keyValue(value)]))
  const sql = `select ${columns.map(quoteIdentifier).join(', ')} from ${quoteIdentifier(table.name)} where ${where}`
  let rows: unknown[][]
  try {
    rows = (await db.query(sql, params, { timeLimitMs: timeLimit(ds, queryOf(c)) })).rows
  } catch (error) {
    asBadRequest(error)
  }
  if (rows.length === 0) throw new NotFoundError(`Record not found: ${pkPath}`)
  const envelope: Record<string, unknown> = { ok: true, database: db.name, table: table.name, rows: true, primary_keys: keys, primary_key_values: values }
  if (extras.has('columns')) envelope.columns = columns
  if (extras.has('column_details')) envelope.column_details = columnDetails(table)
  if (extras.has('query')) envelope.query = { sql, params }
  if (extras.has('metadata')) envelope.metadata = { columns: {}, ...tableMetadata(ds, db.name, table.name) }
  if (extras.has('database_color')) envelope.database_color = databaseColor(db.name)
  if (extras.has('private')) envelope.private = !(await ds.allowed({ actor: null, action: 'view-table', resource: [db.name, table.name] }))
  if (extras.has('foreign_key_tables')) envelope.foreign_key_tables = await foreignKeyTables(db, table, values, timeLimit(ds, queryOf(c)))
  if (extras.has('extras')) envelope.extras = extrasListing(c, 'row', extras)
  envelope.query_ms = performance.now() - started
  envelope.truncated = false
  const json = () => {
    const rendered = renderShape(shape, { columns, rows }, envelope, {})
    return c.body(rendered.body, 200, { 'Content-Type': rendered.contentType, 'Cache-Control': cacheControl(c, query) })
  }
  if (format === 'json') return json()
  const tablePath = `/${tildeEncode(db.name)}/${tildeEncode(table.name)}`
  return htmlOr(c, { view: 'row', database: db.name, table: table.name, tablePath, rowPath: `${tablePath}/${values.map(tildeEncode).join(',')}`, columns, row: rows[0]!, primaryKeys: keys, jsonPath: withExtension(c, 'json') }, json)
}

/** Keys arrive as text; integers are bound as integers so `id = 5` matches untyped columns too. */
function keyValue(text: string): string | number | bigint {
  return /^-?\d+$/.test(text) && BigInt.asIntN(64, BigInt(text)) === BigInt(text) ? integerValue(text) : text
}

/** `_extra=foreign_key_tables`: each table whose foreign key points at this row, how many of its rows do, and a link to them. */
async function foreignKeyTables(db: DatabaseHandle, table: TableInfo, values: readonly string[], limitMs: number) {
  const incoming = table.foreignKeys.incoming
  if (values.length !== 1 || incoming.length === 0) return []
  const counts = incoming.map((fk) => `(select count(*) from ${quoteIdentifier(fk.other_table)} where ${quoteIdentifier(fk.other_column ?? '')} = :id)`)
  let row: unknown[] = []
  try {
    row = (await db.query(`select ${counts.join(', ')}`, { id: keyValue(values[0]!) }, { timeLimitMs: limitMs, maxRows: 1 })).rows[0] ?? []
  } catch {
    return []
  }
  return incoming.map((fk, i) => {
    const key = (fk.other_column ?? '').startsWith('_') ? `${fk.other_column}__exact` : fk.other_column
    return { ...fk, count: Number(row[i] ?? 0), link: `/${tildeEncode(db.name)}/${tildeEncode(fk.other_table)}?${key}=${values.join(',')}` }
  })
}

/**
 * GET /DB/TABLE/PK.blob?_blob_column=C — the bytes of one cell, as a download (Datasette's
 * URL): never shown inline, whatever they are, so a stored HTML file cannot run here.
 */
export async function blobView(c: Ctx, db: DatabaseHandle, tableName: string, pkPath: string): Promise<Response> {
  const ds = c.get('ds')
  const table = getTable(db, tableName)
  await ds.ensureAllowed({ actor: c.get('actor'), action: 'view-table', resource: [db.name, table.name] }, 'You do not have permission to view this table')
  if (table.isView) throw new NotFoundError(`Views do not have rows by key: ${table.name}`)
  const column = single(queryOf(c), '_blob_column')
  if (column === undefined || !table.columnNames.has(column)) throw new BadRequestError('_blob_column= must name a column of the table')
  const keys = keyColumns(table)
  const values = pkPath.split(',').map(tildeDecode)
  if (values.length !== keys.length) throw new NotFoundError(`Record not found: ${pkPath}`)
  const where = keys.map((key, i) => `${quoteIdentifier(key)} = :k${i}`).join(' and ')
  const params = Object.fromEntries(values.map((value, i) => [`k${i}`, keyValue(value)]))
  let rows: unknown[][]
  try {
    rows = rawStatement(db.connection, `select ${quoteIdentifier(column)} from ${quoteIdentifier(table.name)} where ${where}`).all(params) as unknown[][]
  } catch (error) {
    asBadRequest(error)
  }
  if (rows.length === 0) throw new NotFoundError(`Record not found: ${pkPath}`)
  const value = rows[0]![0]
  const bytes = value instanceof Uint8Array ? value : value === null ? new Uint8Array() : Buffer.from(String(value), 'utf8')
  const filename = `${table.name}-${values.join('-')}.blob`.replace(/[^A-Za-z0-9._-]/g, '_')
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': 'application/binary',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': cacheControl(c, queryOf(c)),
  })
}
