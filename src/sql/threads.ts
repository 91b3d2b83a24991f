import { Worker } from 'node:worker_threads'
import { SqlError, SqlTimeoutError, SqlUnavailableError, type SqlResult } from './pool.ts'

/** A function a plugin exports for the SQL threads: given a connection to one database, it returns a value (its top-level Uint8Arrays are moved, not copied). */
export interface ThreadTask {
  /** The module's URL (`import.meta.url` of the file exporting it). */
  module: string
  /** The export's name. */
  name: string
}

export type ThreadJob =
  | { database: string; sql: string; params: Record<string, unknown>; maxRows: number; task?: undefined }
  | { task: { module: string; name: string; database: string; input: unknown } }

interface Pending {
  id: number
  job: ThreadJob
  timeLimitMs: number
  resolve: (value: { value: unknown; ms: number }) => void
  reject: (error: Error) => void
}

interface Slot {
  worker: Worker
  /** Task modules this thread has loaded: a task from another one starts its time limit once loaded. */
  loaded: Set<string>
  ready: boolean
  pending: Pending | null
  timer: NodeJS.Timeout | null
  stale?: boolean
}

const THREAD = new URL('./thread.mjs', import.meta.url)
/** How long a thread may take to load a task's module before the task is given up. */
const MODULE_LOAD_LIMIT_MS = 30_000

export interface ThreadsInit {
  databases: { name: string; path: string | null }[]
  modules: string[]
  config: unknown
  settings: unknown
  pageCache: string
}

/**
 * Worker threads that run generated statements and plugins' tasks off the event loop, each
 * with its own read-only connections (`num_sql_threads` of them; one job at a time each).
 *
 * A job past its time limit is answered with SqlTimeoutError at once and its thread is
 * terminated and replaced. JavaScript cannot stop SQLite inside one step, so a terminated
 * thread may go on until that step returns; that is why only generated SQL (a scan or a
 * sort of one table: finite) comes here, and user SQL goes to killable processes (pool.ts).
 */
export class SqlThreads {
  private readonly slots: Slot[] = []
  private readonly queue: Pending[] = []
  private nextId = 1
  private closed = false

  constructor(
    readonly size: number,
    private init: ThreadsInit,
  ) {}

  /** Starts every thread, so the first heavy request does not wait for one. */
  warm(): void {
    while (!this.closed && this.slots.length < this.size) this.spawn()
  }

  /** As SqlPool.reconfigure: threads with the old config are replaced once idle. */
  reconfigure(config: unknown, settings: unknown): void {
    if (JSON.stringify(config) === JSON.stringify(this.init.config) && JSON.stringify(settings) === JSON.stringify(this.init.settings)) return
    this.init = { ...this.init, config, settings }
    for (const slot of [...this.slots]) {
      slot.stale = true
      if (slot.pending === null) this.retire(slot)
    }
    this.warm()
  }

  /** Rows of one generated statement (at most maxRows), and how long SQLite took. */
  async query(database: string, sql: string, params: Record<string, unknown>, maxRows: number, timeLimitMs: number): Promise<SqlResult & { ms: number }> {
    const { value, ms } = await this.run({ database, sql, params, maxRows }, timeLimitMs)
    return { ...(value as SqlResult), ms }
  }

  /** Runs a plugin's task on a thread with a connection to `database`. */
  async task<T>(task: ThreadTask, database: string, input: unknown, timeLimitMs: number): Promise<T> {
    const { value } = await this.run({ task: { module: task.module, name: task.name, database, input } }, timeLimitMs)
    return value as T
  }

  /** Jobs waiting for a thread, beyond those running: how busy the threads are. */
  get waiting(): number {
    return this.queue.length
  }

  close(): void {
    this.closed = true
    for (const slot of this.slots) {
      if (slot.timer) clearTimeout(slot.timer)
      slot.pending?.reject(new SqlUnavailableError('The server is shutting down'))
      void slot.worker.terminate()
    }
    for (const pending of this.queue.splice(0)) pending.reject(new SqlUnavailableError('The server is shutting down'))
    this.slots.length = 0
  }

  private run(job: ThreadJob, timeLimitMs: number): Promise<{ value: unknown; ms: number }> {
    if (this.closed) return Promise.reject(new SqlUnavailableError('The server is shutting down'))
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, timeLimitMs, resolve, reject })
      if (this.slots.length < this.size) this.warm()
      this.dispatch()
    })
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.ready && s.pending === null && !s.stale)
      if (!slot) return
      const pending = this.queue.shift()!
      slot.pending = pending
      // The limit starts when a thread takes the job (waiting for one is not the query's
      // time), or for a task whose module the thread has not loaded, once it has: loading
      // TypeScript on a busy machine can take longer than a query may.
      const loading = pending.job.task !== undefined && !slot.loaded.has(pending.job.task.module)
      slot.timer = setTimeout(() => this.timeout(slot), loading ? MODULE_LOAD_LIMIT_MS : pending.timeLimitMs)
      slot.worker.postMessage({ id: pending.id, ...pending.job })
    }
  }

  private spawn(): void {
    // Not the server's --import flags (a test runner's tsx): a thread loads TypeScript only when a module needs it.
    const worker = new Worker(THREAD, { workerData: this.init, execArgv: [] })
    const slot: Slot = { worker, loaded: new Set(), ready: false, pending: null, timer: null }
    worker.on('message', (message: { type: 'ready' } | { type: 'loaded'; id: number } | { id: number; ok: true; result?: unknown; ms: number; columns?: string[] } | { id: number; ok: false; error: string; code: string | null }) => {
      if ('type' in message) {
        if (message.type === 'loaded') {
          // The task's module is loaded: its time limit starts again, without the loading.
          const job = slot.pending?.job
          if (job?.task) slot.loaded.add(job.task.module)
          if (slot.pending?.id === message.id && slot.timer) {
            clearTimeout(slot.timer)
            slot.timer = setTimeout(() => this.timeout(slot), slot.pending.timeLimitMs)
          }
          return
        }
        slot.ready = true
        this.dispatch()
        return
      }
      const pending = slot.pending
      if (!pending || pending.id !== message.id) return
      this.finish(slot)
      if (slot.stale) {
        this.retire(slot)
        this.warm()
      }
      if (message.ok) pending.resolve({ value: 'result' in message ? message.result : message, ms: message.ms })
      else pending.reject(sqliteError(message.error, message.code))
      this.dispatch()
    })
    worker.on('error', (error) => {
      process.stderr.write(`dataserve: an SQL thread failed: ${error.message}\n`)
    })
    worker.on('exit', () => {
      this.remove(slot)
      if (slot.pending) {
        const pending = slot.pending
        this.finish(slot)
        pending.reject(new SqlUnavailableError('The SQL thread running this query stopped unexpectedly; try again'))
      }
      if (!this.closed) {
        this.warm()
        this.dispatch()
      }
    })
    // Idle threads do not keep the process alive.
    worker.unref()
    this.slots.push(slot)
  }

  private timeout(slot: Slot): void {
    const pending = slot.pending
    if (!pending) return
    this.finish(slot)
    this.remove(slot)
    slot.worker.removeAllListeners('exit')
    void slot.worker.terminate()
    pending.reject(new SqlTimeoutError('SQL query took too long. The time limit is controlled by the sql_time_limit_ms configuration option.'))
    this.warm()
    this.dispatch()
  }

  private retire(slot: Slot): void {
    this.remove(slot)
    slot.worker.removeAllListeners('exit')
    void slot.worker.terminate()
  }

  private remove(slot: Slot): void {
    const index = this.slots.indexOf(slot)
    if (index !== -1) this.slots.splice(index, 1)
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer)
    slot.timer = null
    slot.pending = null
  }
}

/** SQLite's refusal as the error the main thread would have thrown (a code such as SQLITE_ERROR), so callers map it to a 400 the same way. */
function sqliteError(message: string, code: string | null): Error {
  const error = new SqlError(message)
  if (code) (error as SqlError & { code: string }).code = code
  return error
}
