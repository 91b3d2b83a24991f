// Baseline for the table benchmark: a bare Hono route returning a small string, served the
// same way dataserve serves (@hono/node-server), in its own process.
import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import type { AddressInfo } from 'node:net'

const app = new Hono()
app.get('/', (c) => c.text('hello'))
const server = createAdaptorServer({ fetch: app.fetch })
server.listen(0, '127.0.0.1', () => {
  console.log(`serving at http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
