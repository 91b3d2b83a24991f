import { BadRequestError, isOn, urlFor, type DatabaseHandle } from '../../../plugin-api.ts'
import { cacheControl, getTable, queryOf, single, timeLimit, type Ctx } from '../context.ts'
import { requestedExtras } from '../extras.ts'
import { facetSize, requestedFacets } from '../facets.ts'
import { columnsToExpand, expandLabels } from '../labels.ts'
import { filterFormRedirect, htmlOr, tablePage } from '../html-page.ts'
import { fetchPage, pageJson } from '../page.ts'
import { csvResponse } from '../render-csv.ts'
import { envelopeJson, parseShape, renderShape } from '../render-json.ts'
import { streamTableCsv } from '../stream-csv.ts'
import { addTableExtras } from '../table-extras.ts'
import { parseTableQuery, type TableConfigLike } from '../table-query.ts'

/** GET /DB/TABLE.json and /DB/TABLE.csv, and /DB/TABLE for a browser */
export async function tableView(c: Ctx, db: DatabaseHandle, tableName: string, format: 'json' | 'csv' | 'html'): Promise<Response> {
  const ds = c.get('ds')
  const actor = c.get('actor')
  const table = getTable(db, tableName)
  await ds.ensureAllowed({ actor, action: 'view-table', resource: [db.name, table.name] }, 'You do not have permission to view this table')
  if (format === 'html') {
    const redirect = filterFormRedirect(c)
    if (redirect) return redirect
  }
  const query = queryOf(c)
  const extras = requestedExtras(query, 'table')
  if (extras.has('count')) extras.add('count_truncated')
  const shape = parseShape(single(query, '_shape'))
  const stream = format === 'csv' && isOn(single(query, '_stream'))
  if (stream && !ds.settings.allow_csv_stream) throw new BadRequestError('CSV streaming is disabled (allow_csv_stream)')
  const config = (ds.config.databases[db.name]?.tables?.[table.name] ?? {}) as TableConfigLike
  const allowWhere = query.has('_where') && (await ds.allowed({ actor, action: 'execute-sql', resource: db.name }))
  if (query.has('_where') && !allowWhere) throw new BadRequestError('_where= is not allowed')
  const q = parseTableQuery(ds, table, query, { config, allowWhere, stream })
  const facets = requestedFacets(query, q, config.facets, ds.settings.allow_facet)
  // Asking for a facet asks for its results, as in Datasette.
  if ([...query.keys()].some((key) => key === '_facet' || (key.startsWith('_facet_') && key !== '_facet_size'))) extras.add('facet_results')
  const labels = columnsToExpand(query, table)
  const cache = cacheControl(c, query)

  if (stream) return streamTableCsv(c, db, q, query, cache)
  if (format === 'html') {
    const { set, next } = await fetchPage(db, q, timeLimit(ds, query))
    const counted: Record<string, unknown> = {}
    await addTableExtras(counted, new Set(['count']), { c, ds, actor, db, table, q, query, facets, facetSize: facetSize(ds, query, config.facet_size) })
    const page = tablePage(c, db, table, q, query, set.rows, set.columns, next, (counted.count as number | null | undefined) ?? null)
    return htmlOr(c, { view: 'table', ...page }, () => tableView(c, db, tableName, 'json'))
  }

  const nl = isOn(single(query, '_nl'))
  const infinity = isOn(single(query, '_json_infinity'))
  const jsonParams = query.getAll('_json')
  // The common page (objects, no _json, no _where, no labels) is serialised by SQLite: see page-json.ts.
  const sqliteJson = format === 'json' && (shape === 'objects' || (shape === 'array' && !nl)) && !q.userSql && !infinity && jsonParams.length === 0 && labels.length === 0
  const jsonPage = sqliteJson ? await pageJson(db, q, timeLimit(ds, query)) : null
  const rowsPage = jsonPage ? null : await fetchPage(db, q, timeLimit(ds, query))
  if (rowsPage && labels.length > 0) await expandLabels(ds, actor, db, table, labels, rowsPage.set)
  const next = jsonPage ? jsonPage.next : rowsPage!.next
  const nextUrl = next === null ? null : urlFor(c, { _next: next })
  const headers: Record<string, string> = { 'Cache-Control': cache }
  if (nextUrl) headers.Link = `<${nextUrl}>; rel="next"`

  if (format === 'csv') return csvResponse(c, table, rowsPage!.set, query, headers, labels)

  const envelope: Record<string, unknown> = { ok: true, next, next_url: nextUrl }
  // Only the default shape and arrays show the envelope: Datasette skips counts and facets for the others.
  if (shape === 'objects' || shape === 'arrays') {
    await addTableExtras(envelope, extras, { c, ds, actor, db, table, q, query, facets, facetSize: facetSize(ds, query, config.facet_size) })
  }
  envelope.rows = true
  envelope.truncated = false
  if (jsonPage) {
    const body = shape === 'array' ? jsonPage.rowsJson : envelopeJson(envelope, jsonPage.rowsJson)
    return c.body(body, 200, { ...headers, 'Content-Type': 'application/json; charset=utf-8' })
  }
  const { set } = rowsPage!
  const keyIndexes = q.keys.map((key) => set.columns.indexOf(key))
  const jsonColumns = new Set(jsonParams.map((column) => set.columns.indexOf(column)).filter((i) => i >= 0))
  const rendered = renderShape(shape, set, envelope, {
    nl,
    keyIndexes: table.isView || keyIndexes.includes(-1) ? (table.isView ? null : []) : keyIndexes,
    jsonColumns,
    infinity,
  })
  return c.body(rendered.body, 200, { ...headers, 'Content-Type': rendered.contentType })
}

