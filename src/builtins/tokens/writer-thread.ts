// The managed-token writer thread of a running server: every write to the internal
// database happens here, so a lock held by another process, a slow disk or a retry never
// holds the server's event loop. Messages: see WriterRequest in managed-writer-port.ts.
import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'
import { nowSeconds, type Bookkeeping } from './managed-schema.ts'
import { TokenWriter } from './managed-writer.ts'
import type { WriterReply, WriterRequest } from './managed-writer-port.ts'
import { fileIdentity } from '../../plugin-api.ts'

const { path } = workerData as { path: string }
const port = parentPort!
/** How long a write waits for another connection's lock before giving up (this thread only). */
const LOCK_WAIT_MS = 1000
/** Bookkeeping kept while the database cannot be written; the oldest goes first past this. */
const MAX_QUEUED = 50_000

let db: Database.Database | null = null
let writer: TokenWriter | null = null
let identity: string | null = null

/** The writer for the file now at `path`: reopened when the file was replaced, an error when it is gone. */
function current(): TokenWriter {
  const now = fileIdentity(path)
  if (now === null) throw Object.assign(new Error(`the internal database ${path} is missing`), { code: 'DATASERVE_MISSING' })
  if (writer && now === identity) return writer
  if (writer) port.postMessage({ type: 'log', message: `dataserve: the internal database ${path} was replaced: the writer reopened it` } satisfies WriterReply)
  db?.close()
  db = new Database(path, { timeout: LOCK_WAIT_MS, fileMustExist: true })
  writer = new TokenWriter(db, nowSeconds)
  identity = now
  return writer
}

const queue: Bookkeeping[] = []
let dropped = 0
let retryMs = 0
let timer: NodeJS.Timeout | null = null
let failing: string | null = null

/** Writes the queued bookkeeping; on failure keeps it and tries again later, backing off to 30 s. */
function flush(): void {
  if (timer !== null) clearTimeout(timer)
  timer = null
  if (queue.length === 0) return
  try {
    current().apply(queue)
    queue.length = 0
    retryMs = 0
    if (failing) port.postMessage({ type: 'log', message: `dataserve: internal database: audit and last-used rows are written again${dropped ? ` (${dropped} were dropped meanwhile)` : ''}` } satisfies WriterReply)
    failing = null
    dropped = 0
  } catch (error) {
    const reason = describe(error)
    if (reason !== failing) port.postMessage({ type: 'log', message: `dataserve: internal database: cannot write audit and last-used rows (${reason}); keeping them and retrying` } satisfies WriterReply)
    failing = reason
    retryMs = Math.min(30_000, Math.max(250, retryMs * 2))
    schedule(retryMs)
  }
}

function schedule(ms: number): void {
  if (timer === null) timer = setTimeout(flush, ms)
}

function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string }
  return code ? `${code}: ${message}` : String(message ?? error)
}

port.on('message', (request: WriterRequest) => {
  if (request.op === 'bookkeeping') {
    queue.push(...request.entries)
    if (queue.length > MAX_QUEUED) dropped += queue.splice(0, queue.length - MAX_QUEUED).length
    if (retryMs === 0) schedule(0)
    return
  }
  let reply: WriterReply
  try {
    if (request.op === 'sync') {
      flush()
      reply = { id: request.id, ok: true, result: null }
    } else if (request.op === 'close') {
      flush()
      db?.close()
      reply = { id: request.id, ok: true, result: null }
    } else if (request.op === 'create') {
      reply = { id: request.id, ok: true, result: current().create(request.actorId, request.options) }
    } else {
      reply = { id: request.id, ok: true, result: current().revoke(request.tokenId, request.by) ?? null }
    }
  } catch (error) {
    const { code } = error as { code?: string }
    reply = { id: request.id, ok: false, code: code ?? 'ERROR', message: describe(error) }
  }
  port.postMessage(reply)
})

try {
  current()
  port.postMessage({ type: 'ready' } satisfies WriterReply)
} catch (error) {
  port.postMessage({ type: 'failed', message: describe(error) } satisfies WriterReply)
}
