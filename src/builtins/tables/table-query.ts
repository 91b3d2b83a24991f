import { single } from './context.ts'
import { buildWhere, parseFilters } from './filters.ts'
import { keyColumns, keysetClause, type KeysetClause, type SortSpec } from './keyset.ts'
import type { TableInfo } from './schema.ts'
import { BadRequestError, quoteIdentifier, type Dataserve } from '../../plugin-api.ts'

/** A table page request, parsed and checked: everything needed to build its SQL. */
export interface TableQuery {
  table: TableInfo
  /** Columns in the output, in order. */
  columns: string[]
  keys: string[]
  /** The filters: column filters, search, `_where`. */
  where: string[]
  params: Record<string, unknown>
  /** Rows after the `_next` position (keyset.ts), apart from the filters: counts and facets leave it out. */
  keyset: KeysetClause | null
  /** User-written `_where` fragments are present: run under the SQL time limit. */
  userSql: boolean
  sort?: SortSpec
  size: number
  next?: string
  /** Views page by offset. */
  offset: number
  humanDescription: string
}

export interface TableConfigLike {
  sort?: unknown
  sort_desc?: unknown
  sortable_columns?: unknown
  size?: unknown
  fts_table?: unknown
  facets?: unknown
  facet_size?: unknown
}

/** Parses and checks every table argument; bad input is a 400 naming the argument. */
export function parseTableQuery(
  ds: Dataserve,
  table: TableInfo,
  query: URLSearchParams,
  options: { config: TableConfigLike; allowWhere: boolean; stream: boolean },
): TableQuery {
  const all = new Set(table.columnNames)
  if (table.useRowid) all.add('rowid')
  const keys = keyColumns(table)

  const size = options.stream ? ds.settings.max_returned_rows : parseSize(ds, single(query, '_size'), options.config.size)
  const sort = parseSort(query, all, options.config)
  const columns = selectColumns(query, table, keys)

  const filters = parseFilters(query)
  const { clauses, params } = buildWhere(filters, all)
  const where = [...clauses]
  const descriptions = filters.map((f) => `${f.column} ${f.op} ${JSON.stringify(f.value)}`)

  const search = searchClauses(query, table, options.config, params)
  where.push(...search.clauses)
  descriptions.push(...search.descriptions)

  const userWhere = query.getAll('_where')
  if (userWhere.length > 0) {
    if (!options.allowWhere) throw new BadRequestError('_where= is not allowed')
    where.push(...userWhere.map((fragment) => `(${fragment})`))
    descriptions.push(...userWhere.map((fragment) => `where ${fragment}`))
  }

  const next = single(query, '_next')
  let offset = 0
  let keyset: KeysetClause | null = null
  if (next !== undefined && next !== '') {
    if (table.isView) {
      if (!/^\d+$/.test(next)) throw new BadRequestError(`Invalid _next token: ${next}`)
      offset = Number(next)
    } else {
      keyset = keysetClause(next, table, keys, sort)
    }
  }
  let humanDescription = descriptions.length > 0 ? `where ${descriptions.join(' and ')}` : ''
  if (sort) humanDescription += `${humanDescription ? ' ' : ''}sorted by ${sort.column}${sort.desc ? ' descending' : ''}`
  return { table, columns, keys, where, params, keyset, userSql: userWhere.length > 0, sort, size, next, offset, humanDescription }
}

function parseSize(ds: Dataserve, given: string | undefined, configured: unknown): number {
  const max = ds.settings.max_returned_rows
  if (given === undefined) return typeof configured === 'number' ? Math.min(configured, max) : Math.min(ds.settings.default_page_size, max)
  if (given === 'max') return max
  if (!/^\d+$/.test(given)) throw new BadRequestError('_size must be a positive integer')
  const size = Number(given)
  if (size > max) throw new BadRequestError(`_size must be <= ${max}`)
  return size
}

function parseSort(query: URLSearchParams, all: ReadonlySet<string>, config: TableConfigLike): SortSpec | undefined {
  const asc = single(query, '_sort')
  const desc = single(query, '_sort_desc')
  if (asc !== undefined && desc !== undefined) throw new BadRequestError('Cannot use _sort and _sort_desc at the same time')
  const sortable = Array.isArray(config.sortable_columns) ? new Set(config.sortable_columns as string[]) : all
  const column = asc ?? desc
  if (column !== undefined) {
    if (!sortable.has(column) || !all.has(column)) throw new BadRequestError(`Cannot sort table by ${column}`)
    return { column, desc: desc !== undefined }
  }
  if (typeof config.sort === 'string' && all.has(config.sort)) return { column: config.sort, desc: false }
  if (typeof config.sort_desc === 'string' && all.has(config.sort_desc)) return { column: config.sort_desc, desc: true }
  return undefined
}

/**
 * `_col` / `_nocol`, as Datasette reads them (one column per parameter): key columns always
 * first, then the `_col` columns in the order asked for, or the table's columns in its order.
 */
function selectColumns(query: URLSearchParams, table: TableInfo, keys: readonly string[]): string[] {
  const tableColumns = table.columns.map((c) => c.name)
  const wanted = query.getAll('_col')
  const unwanted = query.getAll('_nocol')
  for (const column of [...wanted, ...unwanted]) {
    if (!table.columnNames.has(column) && !(column === 'rowid' && table.useRowid)) {
      throw new BadRequestError(`${wanted.includes(column) ? '_col' : '_nocol'}=${column} - invalid columns`)
    }
  }
  for (const column of unwanted) {
    if (keys.includes(column)) throw new BadRequestError(`Cannot use _nocol=${column}: primary key columns cannot be hidden`)
  }
  // Rowid tables: rowid is not a declared column, and leads.
  const declaredKeys = table.useRowid ? [] : keys
  let chosen = wanted.length > 0 ? [...new Set([...declaredKeys, ...wanted.filter((c) => c !== 'rowid')])] : tableColumns
  if (unwanted.length > 0) chosen = chosen.filter((c) => !unwanted.includes(c))
  return table.useRowid ? ['rowid', ...chosen] : chosen
}

function searchClauses(query: URLSearchParams, table: TableInfo, config: TableConfigLike, params: Record<string, unknown>) {
  const clauses: string[] = []
  const descriptions: string[] = []
  const searches = [...query.keys()].filter((key) => key === '_search' || key.startsWith('_search_'))
  if (searches.length === 0) return { clauses, descriptions }
  const fts = typeof config.fts_table === 'string' ? config.fts_table : table.ftsTable
  if (!fts) throw new BadRequestError(`Table ${table.name} is not configured for full-text search`)
  const raw = single(query, '_searchmode') === 'raw'
  const target = table.isFts ? '' : `rowid in (select rowid from ${quoteIdentifier(fts)} where `
  let i = 0
  for (const key of new Set(searches)) {
    const text = single(query, key)!
    if (text === '') continue
    const name = `search${i++}`
    params[name] = raw ? text : escapeFts(text)
    const column = key === '_search' ? quoteIdentifier(fts) : quoteIdentifier(key.slice('_search_'.length))
    if (key !== '_search' && !table.isFts && !table.columnNames.has(key.slice('_search_'.length))) {
      throw new BadRequestError('Cannot search by that column')
    }
    const match = `${column} match :${name}`
    clauses.push(table.isFts ? match : `${target}${match})`)
    descriptions.push(key === '_search' ? `search matches ${JSON.stringify(text)}` : `search column ${JSON.stringify(key.slice(8))} matches ${JSON.stringify(text)}`)
  }
  return { clauses, descriptions }
}

/** Datasette's escaping of search terms: each word quoted, so FTS syntax in user input is literal. */
export function escapeFts(query: string): string {
  if ((query.match(/"/g)?.length ?? 0) % 2 === 1) query += '"'
  const bits = query.split(/\s+|(".*?")/).filter((bit) => bit && bit !== '""')
  return bits.map((bit) => (bit.startsWith('"') ? bit : `"${bit}"`)).join(' ')
}

/**
 * The SELECT for one page (one more row than the page, to know whether there is a next).
 * `select` replaces the column list (the JSON page selects one json_object() instead).
 */
export function pageSql(q: TableQuery, limit: number, select = q.columns.map(quoteIdentifier).join(', ')): { sql: string; params: Record<string, unknown> } {
  const where = q.keyset ? [...q.where, q.keyset.clause] : q.where
  const from = `from ${quoteIdentifier(q.table.name)}${where.length > 0 ? ` where ${where.join(' and ')}` : ''}`
  const order: string[] = []
  if (q.sort) order.push(`${quoteIdentifier(q.sort.column)}${q.sort.desc ? ' desc' : ''}`)
  if (!q.table.isView) order.push(...q.keys.map(quoteIdentifier))
  const orderBy = order.length > 0 ? ` order by ${order.join(', ')}` : ''
  const offset = q.offset > 0 ? ` offset ${q.offset}` : ''
  return { sql: `select ${select} ${from}${orderBy} limit ${limit}${offset}`, params: q.keyset ? { ...q.params, ...q.keyset.params } : q.params }
}

/** The rows matching the filters, all columns, in no order (not the `_next` position): what counts and facets are over. */
export function filteredSql(q: TableQuery): { sql: string; params: Record<string, unknown> } {
  const columns = q.table.useRowid ? 'rowid, *' : '*'
  return { sql: `select ${columns} from ${quoteIdentifier(q.table.name)}${whereSql(q)}`, params: q.params }
}

/** The count of rows matching the filters (not the `_next` position). */
export function countSql(q: TableQuery): { sql: string; params: Record<string, unknown> } {
  return { sql: `select count(*) from ${quoteIdentifier(q.table.name)}${whereSql(q)}`, params: q.params }
}

function whereSql(q: TableQuery): string {
  return q.where.length > 0 ? ` where ${q.where.join(' and ')}` : ''
}
