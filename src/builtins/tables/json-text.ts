import { pythonFloat } from './render-csv.ts'

/** A REAL from SQLite inside a structure built in JavaScript (a facet value): written as Python writes a float. */
export class SqlReal {
  constructor(readonly value: number) {}
}

/**
 * JSON text for values JSON.stringify cannot write as Datasette does: BigInt integers
 * exactly, `SqlReal`s (and, with `realNumbers`, every number: values straight from SQLite,
 * where integers are BigInt) as Python floats, BLOBs as `{"$base64": true, "encoded": …}`.
 * Other numbers are written as JavaScript writes them (counts, milliseconds).
 */
export function jsonText(value: unknown, realNumbers = false): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      if (!Number.isFinite(value)) return 'null'
      return realNumbers ? pythonFloat(value) : JSON.stringify(value)
    case 'bigint':
      return value.toString()
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object': {
      if (value === null) return 'null'
      if (value instanceof SqlReal) return Number.isFinite(value.value) ? pythonFloat(value.value) : 'null'
      if (value instanceof Uint8Array) return `{"$base64":true,"encoded":"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"}`
      if (Array.isArray(value)) return '[' + value.map((item) => (item === undefined ? 'null' : jsonText(item, realNumbers))).join(',') + ']'
      const parts: string[] = []
      for (const [key, item] of Object.entries(value)) if (item !== undefined) parts.push(JSON.stringify(key) + ':' + jsonText(item, realNumbers))
      return '{' + parts.join(',') + '}'
    }
    default:
      return 'null'
  }
}
