// Baseline for the table benchmark: the same table page as dataserve's, built by the same
// function (page-json.ts), from a bare Hono route with no plugins, middleware or permission
// checks. The gap between it and dataserve is what the plugin machinery costs per request;
// the gap between it and the in-process rate is HTTP. With `node` as second argument, the
// page is served by node:http alone, without Hono. Usage: page-baseline.ts DB_PATH [node]
import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pageJson } from '../src/builtins/tables/page.ts'
import { envelopeJson } from '../src/builtins/tables/render-json.ts'
import { schemaFor } from '../src/builtins/tables/schema.ts'
import type { TableQuery } from '../src/builtins/tables/table-query.ts'
import { openDatabases } from '../src/databases.ts'

const path = process.argv[2]!
const [db] = openDatabases([{ path }]) as [ReturnType<typeof openDatabases>[number]]
const table = schemaFor(db).tables.get('items')!
const columns = table.columns.map((column) => column.name)

async function page(url: string): Promise<{ body: string; headers: Record<string, string> }> {
  const q: TableQuery = { table, columns, keys: ['id'], where: [], params: {}, keyset: null, userSql: false, size: 100, offset: 0, humanDescription: '' }
  const rows = (await pageJson(db, q, 1000))!
  const nextUrl = rows.next === null ? null : `${url}&_next=${rows.next}`
  const body = envelopeJson({ ok: true, next: rows.next, next_url: nextUrl, rows: true, truncated: false }, rows.rowsJson)
  return { body, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'max-age=5', Link: `<${nextUrl}>; rel="next"` } }
}

let server: Server
if (process.argv[3] === 'node') {
  server = createServer(async (req, res) => {
    const { body, headers } = await page(`http://${req.headers.host}${req.url}`)
    res.writeHead(200, { ...headers, 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
  })
} else {
  const app = new Hono()
  app.get('/bench/items.json', async (c) => {
    const { body, headers } = await page(c.req.url)
    return c.body(body, 200, headers)
  })
  server = createAdaptorServer({ fetch: app.fetch }) as Server
}
server.listen(0, '127.0.0.1', () => {
  console.log(`serving at http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
