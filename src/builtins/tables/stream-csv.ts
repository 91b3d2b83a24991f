import { asBadRequest, single, timeLimit, type Ctx } from './context.ts'
import { CSV_CHUNK, type CsvChunk, type CsvChunkInput } from './csv-chunk-task.ts'
import { keysetClause } from './keyset.ts'
import { csvHeaders, csvLine } from './render-csv.ts'
import type { TableQuery } from './table-query.ts'
import { fetchPage, nextToken, pagePlan, type PageResult } from './page.ts'
import { isOff, type DatabaseHandle } from '../../plugin-api.ts'

/** Rows per chunk are tuned so that one chunk holds the event loop for about this long… */
const CHUNK_TARGET_MS = 4
/** …or, read and encoded on a SQL thread, so that a chunk's hop is a small part of its work. */
const THREAD_CHUNK_TARGET_MS = 20
const MIN_CHUNK_ROWS = 50
const MAX_CHUNK_ROWS = 5000
const MAX_THREAD_CHUNK_ROWS = 50000
const FIRST_CHUNK_ROWS = 500

/**
 * `_stream=on`: every row of the table in one response, read in keyset-paginated chunks.
 *
 * - Each chunk is read and encoded on a SQL thread (csv-chunk-task.ts), so a stream costs the
 *   event loop only its writes; the next chunk is read while the last one is written. With
 *   `_where` (user SQL, in the SQL processes) or no threads, chunks are read here.
 * - The first chunk is read before the response starts, so a bad `_where` or `_search` is
 *   the same 400 as without `_stream`, not a 200 cut short.
 * - The body is a pull stream: at most one chunk is read ahead of what the client has taken,
 *   so a slow client slows the reads instead of making the server buffer the table.
 * - Read here, chunks wait for the event loop's check phase (setImmediate) and are sized to
 *   take a few milliseconds: a client reading as fast as loopback allows would otherwise be
 *   served chunk after chunk from promise callbacks alone, and every other request would wait.
 * - Each chunk is its own short query, so no read transaction stays open while waiting.
 */
export async function streamTableCsv(c: Ctx, db: DatabaseHandle, q: TableQuery, query: URLSearchParams, cache: string) {
  const ds = c.get('ds')
  const maxBytes = ds.settings.max_csv_mb * 1024 * 1024
  const escape = ds.settings.csv_escape_formulas
  const encoder = new TextEncoder()
  const withHeader = !isOff(single(query, '_header'))
  const limitMs = timeLimit(ds, query)
  const inThread = !q.userSql && ds.settings.num_sql_threads > 0
  const [target, maxRows] = inThread ? [THREAD_CHUNK_TARGET_MS, MAX_THREAD_CHUNK_ROWS] : [CHUNK_TARGET_MS, MAX_CHUNK_ROWS]
  let rows = Math.min(FIRST_CHUNK_ROWS, q.size)
  let current: TableQuery = { ...q, size: rows }
  let sent = 0
  let done = false

  /** One chunk as CSV bytes, and the token of the row after it. */
  const chunk = async (): Promise<{ bytes: Uint8Array; next: string | null }> => {
    if (!inThread) {
      const page: PageResult = await fetchPage(db, current, limitMs)
      let text = ''
      for (const row of page.set.rows) text += csvLine(row, escape)
      return { bytes: encoder.encode(text), next: page.next }
    }
    const { fetchQuery, sql, params } = pagePlan(current)
    let result: CsvChunk
    try {
      result = await db.task<CsvChunk>(CSV_CHUNK, { sql, params, size: current.size, written: q.columns.length, escapeFormulas: escape } satisfies CsvChunkInput, { timeLimitMs: limitMs })
    } catch (error) {
      asBadRequest(error)
    }
    return { bytes: result.bytes, next: result.more ? nextToken(current, fetchQuery.columns, result.last ?? undefined) : null }
  }

  /** Reads one chunk and moves `current` past it; adapts the chunk size to its cost. */
  const read = async (): Promise<Uint8Array> => {
    const started = performance.now()
    const { bytes, next } = await chunk()
    sent += bytes.byteLength
    if (next === null || (maxBytes > 0 && sent > maxBytes)) done = true
    const elapsed = performance.now() - started
    if (elapsed < target / 2 && rows < maxRows) rows = Math.min(maxRows, rows * 2)
    else if (elapsed > target * 2 && rows > MIN_CHUNK_ROWS) rows = Math.max(MIN_CHUNK_ROWS, rows >> 1)
    if (!done) {
      if (q.table.isView) {
        current = { ...current, size: rows, offset: Number(next) }
      } else {
        current = { ...current, size: rows, next: next!, keyset: keysetClause(next!, q.table, q.keys, q.sort) }
      }
    }
    return bytes
  }

  // Errors here are the client's (a bad filter, a timeout): thrown before any byte is sent.
  const header = withHeader ? encoder.encode(csvLine(q.columns, escape)) : null
  const first = await read()
  // The chunk after the one being written: read on a thread meanwhile.
  let ahead: Promise<Uint8Array> | null = null
  const readAhead = () => {
    if (!inThread || done) return
    ahead = read()
    // Seen by pull(); not an unhandled rejection if the client leaves first.
    ahead.catch(() => {})
  }

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (header) controller.enqueue(header)
        if (first.byteLength > 0) controller.enqueue(first)
        if (done) controller.close()
        else readAhead()
      },
      async pull(controller) {
        if (done && ahead === null) return
        let bytes: Uint8Array
        try {
          if (ahead) {
            const pending: Promise<Uint8Array> = ahead
            ahead = null
            bytes = await pending
          } else {
            await new Promise<void>((resolve) => setImmediate(resolve))
            bytes = await read()
          }
        } catch (error) {
          // Headers are gone already: abort the body, so the client sees a broken transfer
          // rather than a short file it could take for the whole table; and say so here,
          // where nothing else would show it.
          process.stderr.write(`dataserve: a CSV stream of ${db.name}/${q.table.name} stopped part way (${sent} bytes sent): ${error instanceof Error ? error.message : String(error)}\n`)
          controller.error(error)
          return
        }
        if (bytes.byteLength > 0) controller.enqueue(bytes)
        if (done) controller.close()
        else readAhead()
      },
    },
    { highWaterMark: 1 },
  )
  return c.body(body, 200, { ...csvHeaders(query, q.table.name), 'Cache-Control': cache })
}
