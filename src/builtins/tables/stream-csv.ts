import { single, timeLimit, type Ctx } from './context.ts'
import { keysetClause } from './keyset.ts'
import { csvHeaders, csvLine } from './render-csv.ts'
import type { TableQuery } from './table-query.ts'
import { fetchPage, type PageResult } from './page.ts'
import { isOff, type DatabaseHandle } from '../../plugin-api.ts'

/** Rows per chunk are tuned so that one chunk holds the event loop for about this long. */
const CHUNK_TARGET_MS = 4
const MIN_CHUNK_ROWS = 50
const MAX_CHUNK_ROWS = 5000
const FIRST_CHUNK_ROWS = 500

/**
 * `_stream=on`: every row of the table in one response, read in keyset-paginated chunks.
 *
 * - The first chunk is read before the response starts, so a bad `_where` or `_search` is
 *   the same 400 as without `_stream`, not a 200 cut short.
 * - The body is a pull stream: the next chunk is read only when the client has taken the
 *   last one, so a slow client slows the reads instead of making the server buffer the table.
 * - Between chunks the stream waits for the event loop's check phase (setImmediate), and
 *   chunks are sized to take a few milliseconds: a client reading as fast as loopback allows
 *   would otherwise be served chunk after chunk from promise callbacks alone, and every
 *   other request would wait for the whole table.
 * - Each chunk is its own short query, so no read transaction stays open while waiting.
 */
export async function streamTableCsv(c: Ctx, db: DatabaseHandle, q: TableQuery, query: URLSearchParams, cache: string) {
  const ds = c.get('ds')
  const maxBytes = ds.settings.max_csv_mb * 1024 * 1024
  const escape = ds.settings.csv_escape_formulas
  const encoder = new TextEncoder()
  const withHeader = !isOff(single(query, '_header'))
  const limitMs = timeLimit(ds, query)
  let rows = Math.min(FIRST_CHUNK_ROWS, q.size)
  let current: TableQuery = { ...q, size: rows }
  let sent = 0
  let done = false

  /** Reads one chunk, as CSV, and moves `current` past it; adapts the chunk size to its cost. */
  const read = async (): Promise<string> => {
    const started = performance.now()
    const page: PageResult = await fetchPage(db, current, limitMs)
    let text = ''
    for (const row of page.set.rows) text += csvLine(row, escape)
    sent += text.length
    if (page.next === null || (maxBytes > 0 && sent > maxBytes)) done = true
    const elapsed = performance.now() - started
    if (elapsed < CHUNK_TARGET_MS / 2 && rows < MAX_CHUNK_ROWS) rows *= 2
    else if (elapsed > CHUNK_TARGET_MS * 2 && rows > MIN_CHUNK_ROWS) rows = Math.max(MIN_CHUNK_ROWS, rows >> 1)
    if (!done) {
      if (q.table.isView) {
        current = { ...current, size: rows, offset: Number(page.next) }
      } else {
        current = { ...current, size: rows, next: page.next!, keyset: keysetClause(page.next!, q.table, q.keys, q.sort) }
      }
    }
    return text
  }

  // Errors here are the client's (a bad filter, a timeout): thrown before any byte is sent.
  const first = (withHeader ? csvLine(q.columns, escape) : '') + (await read())

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (first) controller.enqueue(encoder.encode(first))
        if (done) controller.close()
      },
      async pull(controller) {
        if (done) return
        await new Promise<void>((resolve) => setImmediate(resolve))
        let text: string
        try {
          text = await read()
        } catch (error) {
          // Headers are gone already: abort the body, so the client sees a broken transfer
          // rather than a short file it could take for the whole table.
          controller.error(error)
          return
        }
        if (text) controller.enqueue(encoder.encode(text))
        if (done) controller.close()
      },
    },
    { highWaterMark: 1 },
  )
  return c.body(body, 200, { ...csvHeaders(query, q.table.name), 'Cache-Control': cache })
}
