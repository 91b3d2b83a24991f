import { asBadRequest, cacheControl, queryOf, single, timeLimit, type Ctx } from '../context.ts'
import { extrasListing, requestedExtras } from '../extras.ts'
import { databaseColor, databaseMetadata } from '../metadata.ts'
import { parseShape, renderShape } from '../render-json.ts'
import { namedParameters, validateReadOnlySql } from '../validate-sql.ts'
import { csvHeaders, csvLine } from '../render-csv.ts'
import { BadRequestError, HttpError, isOff, isOn, tildeEncode, type DatabaseHandle } from '../../../plugin-api.ts'
import { withExtension, htmlOr } from '../html-page.ts'


/**
 * GET /DB/-/query.json?sql=… — arbitrary read-only SQL, in the SQL pool under the time
 * limit, at most max_returned_rows rows. `:name` parameters come from the query string.
 */
export async function queryView(c: Ctx, db: DatabaseHandle, format: 'json' | 'csv' | 'html'): Promise<Response> {
  const ds = c.get('ds')
  const actor = c.get('actor')
  await ds.ensureAllowed({ actor, action: 'execute-sql', resource: db.name }, 'You do not have permission to execute SQL against this database')
  const query = queryOf(c)
  const sql = single(query, 'sql')
  if (format === 'html') return queryPage(c, db, sql ?? '')
  if (sql === undefined || sql.trim() === '') throw new BadRequestError('sql= parameter is required')
  const extras = requestedExtras(query, 'query')
  const shape = parseShape(single(query, '_shape'))
  if (shape === 'object') throw new BadRequestError('_shape=object is only available on tables')
  validateReadOnlySql(sql)
  const params = Object.fromEntries(namedParameters(sql).map((name) => [name, query.get(name) ?? '']))
  const maxRows = ds.settings.max_returned_rows
  let result
  try {
    result = await db.execute(sql, params, { maxRows, timeLimitMs: timeLimit(ds, query) })
  } catch (error) {
    asBadRequest(error)
  }
  const headers = { 'Cache-Control': cacheControl(c, query) }
  if (format === 'csv') {
    const escape = ds.settings.csv_escape_formulas
    let body = isOff(single(query, '_header')) ? '' : csvLine(result.columns, escape)
    for (const row of result.rows) body += csvLine(row, escape)
    return c.body(body, 200, { ...headers, ...csvHeaders(query, db.name) })
  }
  // Datasette's order: ok, rows, the extras, truncated.
  const envelope: Record<string, unknown> = { ok: true, rows: true }
  if (extras.has('columns')) envelope.columns = result.columns
  if (extras.has('query')) envelope.query = { sql, params }
  if (extras.has('metadata')) envelope.metadata = databaseMetadata(ds, db.name)
  if (extras.has('database')) envelope.database = db.name
  if (extras.has('database_color')) envelope.database_color = databaseColor(db.name)
  if (extras.has('private')) envelope.private = !(await ds.allowed({ actor: null, action: 'execute-sql', resource: db.name }))
  if (extras.has('extras')) envelope.extras = extrasListing(c, 'query', extras)
  envelope.truncated = result.truncated
  const jsonColumns = new Set(query.getAll('_json').map((column) => result.columns.indexOf(column)).filter((i) => i >= 0))
  const rendered = renderShape(shape, result, envelope, { nl: isOn(single(query, '_nl')), keyIndexes: null, jsonColumns, infinity: isOn(single(query, '_json_infinity')) })
  return c.body(rendered.body, 200, { ...headers, 'Content-Type': rendered.contentType })
}

/** The query page: an empty form, results, or the error, on the page itself (400 for the error). */
async function queryPage(c: Ctx, db: DatabaseHandle, sql: string): Promise<Response> {
  const ds = c.get('ds')
  const query = queryOf(c)
  const databasePath = `/${tildeEncode(db.name)}`
  const page = { view: 'query' as const, database: db.name, databasePath, sql, columns: [] as string[], rows: [] as unknown[][], truncated: false, jsonPath: withExtension(c, 'json'), csvPath: withExtension(c, 'csv'), error: null as string | null }
  if (sql.trim() !== '') {
    try {
      validateReadOnlySql(sql)
      const params = Object.fromEntries(namedParameters(sql).map((name) => [name, query.get(name) ?? '']))
      const result = await db.execute(sql, params, { maxRows: ds.settings.max_returned_rows, timeLimitMs: timeLimit(ds, query) })
      Object.assign(page, { columns: result.columns, rows: result.rows, truncated: result.truncated })
    } catch (error) {
      try {
        asBadRequest(error)
      } catch (refused) {
        if (!(refused instanceof HttpError) || refused.status >= 500) throw refused
        page.error = refused.message
      }
    }
  }
  return htmlOr(c, page, () => queryView(c, db, 'json'))
}
