// A SQL-thread task (DatabaseHandle.task): one chunk of a CSV stream, read and encoded off
// the event loop. Imports nothing of the server: each SQL thread loads this file alone.
import type Database from 'better-sqlite3'
import type { ThreadTask } from '../../plugin-api.ts'
import { csvLine } from './csv-text.ts'

export interface CsvChunkInput {
  /** The page statement (pagePlan): at most `size + 1` rows. */
  sql: string
  params: Record<string, unknown>
  size: number
  /** Leading columns written to the CSV; a sort column fetched for the next token comes after them. */
  written: number
  escapeFormulas: boolean
}

export interface CsvChunk {
  bytes: Uint8Array
  /** The chunk's last row, every fetched column: where the next chunk starts. */
  last: unknown[] | null
  /** There are rows after this chunk. */
  more: boolean
}

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>()

function statement(connection: Database.Database, sql: string): Database.Statement {
  let cache = statements.get(connection)
  if (!cache) statements.set(connection, (cache = new Map()))
  let stmt = cache.get(sql)
  if (!stmt) {
    // A handful of shapes per table (the first chunk, then keyset chunks of a few sizes).
    if (cache.size >= 64) cache.clear()
    cache.set(sql, (stmt = connection.prepare(sql).raw(true).safeIntegers(true)))
  }
  return stmt
}

export function csvChunk({ connection, input }: { connection: Database.Database; input: CsvChunkInput }): CsvChunk {
  const rows = statement(connection, input.sql).all(input.params) as unknown[][]
  const more = rows.length > input.size
  if (more) rows.length = input.size
  let text = ''
  for (const row of rows) text += csvLine(row.length === input.written ? row : row.slice(0, input.written), input.escapeFormulas)
  return { bytes: Buffer.from(text), last: rows.at(-1) ?? null, more }
}

/** How the server names this task to its SQL threads. */
export const CSV_CHUNK: ThreadTask = { module: import.meta.url, name: 'csvChunk' }
