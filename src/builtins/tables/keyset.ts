import { affinityOf } from './affinity.ts'
import type { TableInfo } from './schema.ts'
import { BadRequestError, quoteIdentifier, tildeDecode, tildeEncode } from '../../plugin-api.ts'

/**
 * Keyset pagination, with Datasette's `_next` tokens: the tilde-encoded key values of the
 * last row of the page, comma-joined (`42`, `a,7`); with a sort, the sort value first
 * (`$null` when it is null). Every page is "rows after this key", so walking `next_url`
 * returns each row exactly once at the same cost per page, however deep.
 */

export interface SortSpec {
  column: string
  desc: boolean
}

/** The columns that identify a row, in order: the primary key, or rowid. */
export function keyColumns(table: TableInfo): string[] {
  return table.useRowid ? ['rowid'] : table.primaryKeys
}

export function encodeNextToken(row: Record<string, unknown>, keys: readonly string[], sort?: SortSpec): string {
  const parts = keys.map((key) => tildeEncode(tokenText(row[key])))
  if (sort) {
    const value = row[sort.column]
    parts.unshift(value === null || value === undefined ? '$null' : tildeEncode(tokenText(value)))
  }
  return parts.join(',')
}

function tokenText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  return String(value)
}

export interface KeysetClause {
  clause: string
  params: Record<string, unknown>
}

/** The WHERE clause selecting rows after the one `token` points at. */
/** Its parameters are named `n0`, `n1`…, apart from the filters' `p0`… */
export function keysetClause(token: string, table: TableInfo, keys: readonly string[], sort: SortSpec | undefined): KeysetClause {
  const parts = token.split(',')
  const expected = keys.length + (sort ? 1 : 0)
  if (parts.length !== expected || keys.length === 0) throw new BadRequestError(`Invalid _next token: ${token}`)
  const params: Record<string, unknown> = {}
  let n = 0
  const bind = (column: string, text: string) => {
    const name = `n${n++}`
    params[name] = typedValue(table, column, tildeDecode(text))
    return `:${name}`
  }
  let sortRaw: string | undefined
  if (sort) sortRaw = parts.shift()!
  // (k1 > v1) or (k1 = v1 and k2 > v2) or …
  const keyValues = keys.map((key, i) => [quoteIdentifier(key), bind(key, parts[i]!)] as const)
  const afterKey = keyValues
    .map((_, i) => {
      const equal = keyValues.slice(0, i).map(([column, value]) => `${column} = ${value}`)
      return `(${[...equal, `${keyValues[i]![0]} > ${keyValues[i]![1]}`].join(' and ')})`
    })
    .join(' or ')
  if (!sort) return { clause: `(${afterKey})`, params }
  const column = quoteIdentifier(sort.column)
  // SQLite sorts NULL first ascending and last descending.
  if (sortRaw === '$null') {
    const clause = sort.desc ? `(${column} is null and (${afterKey}))` : `((${column} is null and (${afterKey})) or ${column} is not null)`
    return { clause, params }
  }
  const value = bind(sort.column, sortRaw!)
  const op = sort.desc ? '<' : '>'
  const clause = `(${column} ${op} ${value} or (${column} = ${value} and (${afterKey}))${sort.desc ? ` or ${column} is null` : ''})`
  return { clause, params }
}

/**
 * Token parts are text; bind numbers as numbers unless the column has TEXT affinity, so
 * untyped columns holding integers compare as integers.
 */
function typedValue(table: TableInfo, column: string, text: string): unknown {
  if (column === 'rowid') return /^-?\d+$/.test(text) ? integerValue(text) : text
  if (affinityOf(table.columns.find((c) => c.name === column)?.type ?? '') === 'TEXT') return text
  if (/^-?\d+$/.test(text)) return integerValue(text)
  if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)) return Number(text)
  return text
}

/** An integer from a token or a URL, exact beyond 2^53 (bound as a 64-bit integer; past 64 bits, as a REAL). */
export function integerValue(text: string): number | bigint {
  const number = Number(text)
  if (Number.isSafeInteger(number)) return number
  const big = BigInt(text)
  return BigInt.asIntN(64, big) === big ? big : number
}
