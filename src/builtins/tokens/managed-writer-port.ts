import type Database from 'better-sqlite3'
import { Worker } from 'node:worker_threads'
import type { Bookkeeping, CreateOptions, ManagedToken } from './managed-schema.ts'
import { TokenWriter } from './managed-writer.ts'

/** What the server's thread asks of the writer. */
export type WriterRequest =
  | { op: 'create'; id: number; actorId: string; options: CreateOptions }
  | { op: 'revoke'; id: number; tokenId: string; by: string | null }
  | { op: 'close'; id: number }
  /** Answered once the bookkeeping sent before it has been tried. */
  | { op: 'sync'; id: number }
  | { op: 'bookkeeping'; entries: Bookkeeping[] }

/** What the writer answers, or says unasked (`log`, `ready`, `failed`). */
export type WriterReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; code: string; message: string }
  | { type: 'log'; message: string }
  | { type: 'ready' }
  | { type: 'failed'; message: string }

/** A write that failed: `code` is SQLite's (`SQLITE_BUSY`, …) or `DATASERVE_MISSING`. */
export class WriteFailedError extends Error {
  override name = 'WriteFailedError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Where the server's writes go: a thread for a file, the same thread for `:memory:`. */
export interface WriterPort {
  create(actorId: string, options: CreateOptions): Promise<{ token: string; record: ManagedToken }>
  revoke(tokenId: string, by: string | null): Promise<ManagedToken | undefined>
  /** Fire and forget: written when the database allows, retried until then. */
  record(entries: Bookkeeping[]): void
  /** Resolves once the bookkeeping recorded so far has been tried, so a reader of the audit trail sees it. */
  sync(): Promise<void>
  close(): Promise<void>
}

/**
 * The writer of an in-memory internal database. No other connection can reach it, so
 * nothing can lock it, and a write is microseconds: it runs on the server's thread.
 * `written` lets the reader on the same connection forget what changed.
 */
export function inProcessWriter(db: Database.Database, now: () => number, written: (tokenId: string) => void): WriterPort {
  const writer = new TokenWriter(db, now)
  return {
    create: async (actorId, options) => writer.create(actorId, options),
    revoke: async (tokenId, by) => {
      const record = writer.revoke(tokenId, by)
      written(tokenId)
      return record
    },
    record(entries) {
      writer.apply(entries)
      for (const entry of entries) if (entry.token_id) written(entry.token_id)
    },
    sync: async () => {},
    close: async () => {},
  }
}

const WORKER = new URL('./writer-worker.mjs', import.meta.url)
const CLOSE_WAIT_MS = 2000

/**
 * The writer thread of a file-backed internal database (writer-thread.ts). Started once and
 * waited for at startup (it creates the schema); if it dies, the next write starts another.
 */
export async function threadWriter(path: string, log: (message: string) => void): Promise<WriterPort> {
  let worker: Worker | null = null
  let nextId = 1
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()

  const start = () =>
    new Promise<Worker>((resolve, reject) => {
      const thread = new Worker(WORKER, { workerData: { path } })
      thread.on('message', (reply: WriterReply) => {
        if ('type' in reply) {
          if (reply.type === 'ready') {
            // An idle writer does not keep the process alive; one with a write under way does.
            thread.unref()
            resolve(thread)
          }
          else if (reply.type === 'failed') reject(new WriteFailedError('ERROR', reply.message))
          else log(reply.message)
          return
        }
        const pending = waiting.get(reply.id)
        waiting.delete(reply.id)
        if (waiting.size === 0) thread.unref()
        if (reply.ok) pending?.resolve(reply.result)
        else pending?.reject(new WriteFailedError(reply.code, reply.message))
      })
      thread.on('error', (error) => log(`dataserve: the managed-token writer thread failed: ${error.message}`))
      thread.on('exit', () => {
        if (worker === thread) worker = null
        for (const [id, pending] of waiting) {
          waiting.delete(id)
          pending.reject(new WriteFailedError('DATASERVE_WRITER_STOPPED', 'the managed-token writer stopped'))
        }
        reject(new WriteFailedError('DATASERVE_WRITER_STOPPED', 'the managed-token writer stopped while starting'))
      })
    })

  worker = await start()
  const send = async (request: Exclude<WriterRequest, { op: 'bookkeeping' }>) => {
    worker ??= await start()
    const thread = worker
    return new Promise<unknown>((resolve, reject) => {
      waiting.set(request.id, { resolve, reject })
      thread.ref()
      thread.postMessage(request)
    })
  }
  return {
    create: async (actorId, options) => (await send({ op: 'create', id: nextId++, actorId, options })) as { token: string; record: ManagedToken },
    revoke: async (tokenId, by) => ((await send({ op: 'revoke', id: nextId++, tokenId, by })) as ManagedToken | null) ?? undefined,
    record(entries) {
      if (worker) worker.postMessage({ op: 'bookkeeping', entries } satisfies WriterRequest)
      else void start().then((thread) => ((worker = thread), thread.postMessage({ op: 'bookkeeping', entries })), (error: Error) => log(`dataserve: managed-token bookkeeping lost: ${error.message}`))
    },
    async sync() {
      if (worker) await send({ op: 'sync', id: nextId++ })
    },
    async close() {
      const thread = worker
      if (!thread) return
      worker = null
      const closed = new Promise<unknown>((resolve, reject) => {
        const id = nextId++
        waiting.set(id, { resolve, reject })
        thread.ref()
        thread.postMessage({ op: 'close', id } satisfies WriterRequest)
      })
      await Promise.race([closed.catch(() => {}), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS))])
      await thread.terminate()
    },
  }
}
