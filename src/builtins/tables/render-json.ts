import { jsonText } from './json-text.ts'
import { pythonFloat } from './render-csv.ts'
import { BadRequestError, tildeEncode, type RowSet } from '../../plugin-api.ts'

export type { RowSet }

export const SHAPES = ['objects', 'arrays', 'array', 'object', 'arrayfirst'] as const
export type Shape = (typeof SHAPES)[number]

export function parseShape(value: string | undefined): Shape {
  if (value === undefined) return 'objects'
  if (!(SHAPES as readonly string[]).includes(value)) throw new BadRequestError(`Invalid _shape: ${value}`)
  return value as Shape
}

export interface ValueOptions {
  /** Columns whose JSON text is returned as JSON (`_json=col`). */
  jsonColumns?: ReadonlySet<number>
  /** `_json_infinity=on`: keep ±Infinity instead of null. */
  infinity?: boolean
}

/**
 * One SQLite value as JSON, as Datasette writes it: integers (BigInt, see statements.ts)
 * exactly, REALs as Python writes floats (`12.0`, `1e-07`), BLOBs as
 * `{"$base64": true, "encoded": …}`, non-finite floats as null unless `_json_infinity`.
 */
export function valueJson(value: unknown, options?: ValueOptions, parseJson = false): string {
  switch (typeof value) {
    case 'string':
      if (parseJson) {
        try {
          return JSON.stringify(JSON.parse(value))
        } catch {
          // not JSON: return it as the string it is
        }
      }
      return JSON.stringify(value)
    case 'number':
      if (Number.isFinite(value)) return pythonFloat(value)
      if (options?.infinity && !Number.isNaN(value)) return value > 0 ? 'Infinity' : '-Infinity'
      return 'null'
    case 'bigint':
      return value.toString()
    case 'object':
      // A BLOB, or a value a view built from SQLite values (a `_labels` {value, label}).
      return jsonText(value, true)
    default:
      return 'null'
  }
}

/** Serialises rows as JSON objects, one string per row (for newline-delimited output). */
export function objectRowsJson(set: RowSet, options?: ValueOptions): string[] {
  const prefixes = set.columns.map((column, i) => (i === 0 ? '{' : ',') + JSON.stringify(column) + ':')
  const json = options?.jsonColumns
  return set.rows.map((row) => {
    if (prefixes.length === 0) return '{}'
    let out = ''
    for (let i = 0; i < prefixes.length; i++) out += prefixes[i] + valueJson(row[i], options, json?.has(i))
    return out + '}'
  })
}

export function arrayRowsJson(set: RowSet, options?: ValueOptions): string[] {
  const json = options?.jsonColumns
  return set.rows.map((row) => '[' + row.map((value, i) => valueJson(value, options, json?.has(i))).join(',') + ']')
}

/** The key of a row in `_shape=object`: its tilde-encoded key values, comma-joined. */
export function rowPath(row: unknown[], keyIndexes: readonly number[]): string {
  return keyIndexes.map((i) => tildeEncode(String(row[i]))).join(',')
}

export interface RenderedBody {
  body: string
  contentType: string
}

/**
 * The response body for a shape. `envelope` holds the other keys of the default object
 * (ok, next, …) in order; `rows` is spliced in where its key stands.
 */
export function renderShape(
  shape: Shape,
  set: RowSet,
  envelope: Record<string, unknown>,
  options: ValueOptions & { nl?: boolean; keyIndexes?: readonly number[] | null },
): RenderedBody {
  const json = 'application/json; charset=utf-8'
  if (shape === 'array') {
    if (options.nl) return { body: objectRowsJson(set, options).join('\n'), contentType: 'text/plain; charset=utf-8' }
    return { body: rowsArrayJson(set, options), contentType: json }
  }
  if (shape === 'arrayfirst') {
    return { body: '[' + set.rows.map((row) => valueJson(row[0], options, options.jsonColumns?.has(0))).join(',') + ']', contentType: json }
  }
  if (shape === 'object') {
    if (!options.keyIndexes) throw new BadRequestError('_shape=object is only available on tables')
    if (options.keyIndexes.length === 0) throw new BadRequestError('_shape=object not available for tables with no primary keys')
    const rows = objectRowsJson(set, options)
    const parts = set.rows.map((row, i) => JSON.stringify(rowPath(row, options.keyIndexes!)) + ':' + rows[i])
    return { body: '{' + parts.join(',') + '}', contentType: json }
  }
  const rows = shape === 'arrays' ? '[' + arrayRowsJson(set, options).join(',') + ']' : rowsArrayJson(set, options)
  return { body: envelopeJson(envelope, rows), contentType: json }
}

/** `[{…}, {…}]` for the rows. */
function rowsArrayJson(set: RowSet, options: ValueOptions): string {
  return '[' + objectRowsJson(set, options).join(',') + ']'
}

/** `{...envelope}` with the pre-serialised rows in place of `rows`. */
export function envelopeJson(envelope: Record<string, unknown>, rowsJson: string): string {
  const parts: string[] = []
  for (const [key, value] of Object.entries(envelope)) {
    if (value === undefined) continue
    parts.push(JSON.stringify(key) + ':' + (key === 'rows' ? rowsJson : jsonText(value)))
  }
  return '{' + parts.join(',') + '}'
}
