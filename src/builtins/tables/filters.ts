import { BadRequestError, quoteIdentifier } from '../../plugin-api.ts'

/** A filter operation: how `column__op=value` becomes SQL. */
interface FilterOp {
  /** SQL with `{c}` for the column and `{p}` for the parameter. */
  sql: string
  /** Turns the query-string value into the bound value (or values, for in/notin). */
  value?: (text: string) => unknown
  /** Operations that take no value (isnull…): the query-string value is ignored. */
  noValue?: boolean
  /** Values that look like numbers are compared as numbers. */
  numeric?: boolean
  list?: boolean
}

// A Map, not an object: `op in OPS` is true for `constructor` and every other inherited name.
const OPS = new Map<string, FilterOp>(Object.entries({
  exact: { sql: '{c} = {p}' },
  not: { sql: '{c} != {p}' },
  contains: { sql: '{c} like {p}', value: (v) => `%${v}%` },
  notcontains: { sql: '{c} not like {p}', value: (v) => `%${v}%` },
  endswith: { sql: '{c} like {p}', value: (v) => `%${v}` },
  startswith: { sql: '{c} like {p}', value: (v) => `${v}%` },
  gt: { sql: '{c} > {p}', numeric: true },
  gte: { sql: '{c} >= {p}', numeric: true },
  lt: { sql: '{c} < {p}', numeric: true },
  lte: { sql: '{c} <= {p}', numeric: true },
  like: { sql: '{c} like {p}' },
  notlike: { sql: '{c} not like {p}' },
  glob: { sql: '{c} glob {p}' },
  in: { sql: '{c} in ({p})', list: true },
  notin: { sql: '{c} not in ({p})', list: true },
  arraycontains: { sql: '{p} in (select value from json_each({c}))' },
  arraynotcontains: { sql: '{p} not in (select value from json_each({c}))' },
  date: { sql: 'date({c}) = {p}' },
  isnull: { sql: '{c} is null', noValue: true },
  notnull: { sql: '{c} is not null', noValue: true },
  isblank: { sql: "({c} is null or {c} = '')", noValue: true },
  notblank: { sql: "({c} is not null and {c} != '')", noValue: true },
} satisfies Record<string, FilterOp>))

export const FILTER_OPS: readonly string[] = [...OPS.keys()]

export interface Filter {
  column: string
  op: string
  value: string
}

export interface WhereClauses {
  clauses: string[]
  params: Record<string, unknown>
}

/**
 * Splits the query string into filters: `col=v` (exact) and `col__op=v`. Keys starting with
 * `_` and containing no `__` are special arguments, not filters (so a column named `_x` is
 * filtered with `_x__exact=`), as in Datasette.
 */
export function parseFilters(query: URLSearchParams): Filter[] {
  const filters: Filter[] = []
  for (const [key, value] of query) {
    if (key.startsWith('_') && !key.includes('__')) continue
    const split = key.lastIndexOf('__')
    const op = split > 0 ? key.slice(split + 2) : ''
    if (split > 0 && OPS.has(op)) filters.push({ column: key.slice(0, split), op, value })
    else filters.push({ column: key, op: 'exact', value })
  }
  return filters
}

/**
 * SQL for the filters, checked against the table's columns: unlike Datasette, a filter on
 * a column that does not exist is an error, so a typo does not silently return every row.
 */
export function buildWhere(filters: readonly Filter[], columns: ReadonlySet<string>, startAt = 0): WhereClauses {
  const clauses: string[] = []
  const params: Record<string, unknown> = {}
  let n = startAt
  for (const filter of filters) {
    if (!columns.has(filter.column)) {
      // `price__sounds`, `name____proto__`: a real column, then something that is no operation.
      for (let split = filter.column.indexOf('__'); split > 0; split = filter.column.indexOf('__', split + 1)) {
        if (!columns.has(filter.column.slice(0, split))) continue
        const op = filter.column.slice(split + 2)
        throw new BadRequestError(`Cannot filter on column "${filter.column}": no such column, and "${op}" is not a filter operation (available: ${FILTER_OPS.join(', ')})`)
      }
      throw new BadRequestError(`Cannot filter on column "${filter.column}": no such column`)
    }
    const op = OPS.get(filter.op)!
    const column = quoteIdentifier(filter.column)
    let placeholder = ''
    if (op.list) {
      const values = parseList(filter.value, filter.column, filter.op)
      placeholder = values.map((value) => {
        const name = `p${n++}`
        params[name] = value
        return `:${name}`
      }).join(', ')
    } else if (!op.noValue) {
      const name = `p${n++}`
      params[name] = op.numeric ? numericValue(filter.value) : op.value ? op.value(filter.value) : filter.value
      placeholder = `:${name}`
    }
    clauses.push(op.sql.replaceAll('{c}', column).replaceAll('{p}', placeholder))
  }
  return { clauses, params }
}

/** `a,b,c` or a JSON list `["a","b,c"]`. */
function parseList(text: string, column: string, op: string): unknown[] {
  if (text.startsWith('[')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw new BadRequestError(`${column}__${op}: not a valid JSON list`)
    }
    if (!Array.isArray(parsed) || parsed.some((v) => v !== null && typeof v === 'object')) {
      throw new BadRequestError(`${column}__${op}: expected a JSON list of values`)
    }
    return parsed
  }
  return text.split(',')
}

function numericValue(text: string): string | number {
  return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text
}
