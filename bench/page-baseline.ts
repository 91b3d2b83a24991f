// Baseline for the table benchmark: the same table page as dataserve's, built by the same
// function (page-json.ts), from a bare Hono route with no plugins, middleware or permission
// checks. The gap between it and dataserve is what the plugin machinery costs per request;
// the gap between it and the in-process rate is HTTP. Usage: page-baseline.ts DB_PATH
import { createAdaptorServer } from '@hono/node-server'
import Database from 'better-sqlite3'
import { Hono } from 'hono'
import type { AddressInfo } from 'node:net'
import { pageJson } from '../src/builtins/tables/page-json.ts'
import { envelopeJson } from '../src/builtins/tables/render-json.ts'
import { schemaFor } from '../src/builtins/tables/schema.ts'
import type { TableQuery } from '../src/builtins/tables/table-query.ts'
import { pageCachePragma, type DatabaseHandle } from '../src/databases.ts'

const path = process.argv[2]!
const db: DatabaseHandle = { name: 'bench', path, immutable: false, connection: new Database(path, { readonly: true }) }
db.connection.pragma(pageCachePragma(0))
const table = schemaFor(db).tables.get('items')!
const columns = table.columns.map((column) => column.name)

const app = new Hono()
app.get('/bench/items.json', (c) => {
  const q: TableQuery = { table, columns, keys: ['id'], where: [], params: {}, userSql: false, size: 100, offset: 0, humanDescription: '' }
  const page = pageJson(db, q)!
  const nextUrl = page.next === null ? null : `${c.req.url}&_next=${page.next}`
  const body = envelopeJson({ ok: true, next: page.next, next_url: nextUrl, rows: true, truncated: false }, page.rowsJson)
  return c.body(body, 200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'max-age=5', Link: `<${nextUrl}>; rel="next"` })
})
const server = createAdaptorServer({ fetch: app.fetch })
server.listen(0, '127.0.0.1', () => {
  console.log(`serving at http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
