import type { DatabaseHandle } from '../../../databases.ts'
import { BadRequestError, NotFoundError } from '../../../errors.ts'
import { asBadRequest, cacheControl, getTable, queryOf, single, type Ctx } from '../context.ts'
import { integerValue, keyColumns } from '../keyset.ts'
import { parseShape, renderShape } from '../render-json.ts'
import { quoteIdentifier } from '../sql.ts'
import { rawStatement } from '../statements.ts'
import { tildeDecode } from '../tilde.ts'

/** GET /DB/TABLE/PK.json — one row by primary key (compound keys comma-joined) or rowid. */
export async function rowView(c: Ctx, db: DatabaseHandle, tableName: string, pkPath: string) {
  const ds = c.get('ds')
  const actor = c.get('actor')
  const table = getTable(db, tableName)
  await ds.ensureAllowed({ actor, action: 'view-table', resource: [db.name, table.name] }, 'You do not have permission to view this table')
  if (table.isView) throw new NotFoundError(`Views do not have rows by key: ${table.name}`)
  const keys = keyColumns(table)
  const values = pkPath.split(',').map(tildeDecode)
  if (values.length !== keys.length) throw new NotFoundError(`Record not found: ${pkPath}`)
  const query = queryOf(c)
  const columns = table.useRowid ? ['rowid', ...table.columns.map((col) => col.name)] : table.columns.map((col) => col.name)
  const where = keys.map((key, i) => `${quoteIdentifier(key)} = :k${i}`).join(' and ')
  const params = Object.fromEntries(values.map((value, i) => [`k${i}`, keyValue(value)]))
  let rows: unknown[][]
  try {
    rows = rawStatement(db.connection, `select ${columns.map(quoteIdentifier).join(', ')} from ${quoteIdentifier(table.name)} where ${where}`).all(params) as unknown[][]
  } catch (error) {
    asBadRequest(error)
  }
  if (rows.length === 0) throw new NotFoundError(`Record not found: ${pkPath}`)
  const shape = parseShape(single(query, '_shape'))
  if (shape === 'object') throw new BadRequestError('_shape=object is only available on tables')
  const envelope = { ok: true, database: db.name, table: table.name, rows: true, primary_keys: table.primaryKeys, primary_key_values: values }
  const rendered = renderShape(shape, { columns, rows }, envelope, {})
  return c.body(rendered.body, 200, { 'Content-Type': rendered.contentType, 'Cache-Control': cacheControl(c, query) })
}

/** Keys arrive as text; integers are bound as integers so `id = 5` matches untyped columns too. */
function keyValue(text: string): string | number | bigint {
  return /^-?\d+$/.test(text) && BigInt.asIntN(64, BigInt(text)) === BigInt(text) ? integerValue(text) : text
}
