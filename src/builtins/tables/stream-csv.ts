import type { DatabaseHandle } from '../../databases.ts'
import { isOff } from '../../request-input.ts'
import { single, timeLimit, type Ctx, type TablesState } from './context.ts'
import { keysetClause } from './keyset.ts'
import { csvLine, realColumnIndexes } from './render-csv.ts'
import type { TableQuery } from './table-query.ts'
import { csvHeaders, fetchPage } from './views/table.ts'

/**
 * `_stream=on`: every row of the table in one response, read in keyset-paginated chunks.
 * The body is a pull stream, so the next chunk is read only when the client has taken the
 * last one: a slow client slows the reads instead of making the server buffer the table.
 * Each chunk is its own short query, so no read transaction stays open while waiting.
 */
export function streamTableCsv(c: Ctx, state: TablesState, db: DatabaseHandle, q: TableQuery, query: URLSearchParams, cache: string) {
  const ds = c.get('ds')
  const maxBytes = ds.settings.max_csv_mb * 1024 * 1024
  const real = realColumnIndexes(q.columns, new Map(q.table.columns.map((col) => [col.name, col.type])))
  const encoder = new TextEncoder()
  const withHeader = !isOff(single(query, '_header'))
  const limitMs = timeLimit(ds, query)
  // The filters without any keyset clause from a `_next` the stream started at.
  const resumed = q.next !== undefined && q.next !== '' && !q.table.isView
  const baseWhere = resumed ? q.where.slice(0, -1) : q.where
  const baseParams = Object.fromEntries(Object.entries(q.params).filter(([name]) => !(resumed && name.startsWith('n'))))
  let current: TableQuery = q
  let sent = 0
  let done = false

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (withHeader) controller.enqueue(encoder.encode(csvLine(q.columns)))
      },
      async pull(controller) {
        if (done) return
        let page
        try {
          page = await fetchPage(ds, state, db, current, limitMs)
        } catch (error) {
          // Headers are gone already: end the body; the client sees a short file.
          controller.error(error)
          return
        }
        let text = ''
        for (const row of page.set.rows) text += csvLine(row, real)
        sent += text.length
        if (text) controller.enqueue(encoder.encode(text))
        if (page.next === null || (maxBytes > 0 && sent > maxBytes)) {
          done = true
          controller.close()
          return
        }
        if (q.table.isView) {
          current = { ...current, offset: Number(page.next) }
        } else {
          const keyset = keysetClause(page.next, q.table, q.keys, q.sort, 0)
          current = { ...current, next: page.next, where: [...baseWhere, keyset.clause], params: { ...baseParams, ...keyset.params } }
        }
      },
    },
    { highWaterMark: 1 },
  )
  return c.body(body, 200, { ...csvHeaders(query, q.table.name), 'Cache-Control': cache })
}
