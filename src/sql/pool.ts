import { fork, type ChildProcess } from 'node:child_process'

/** Rows as SQLite gave them: one array of values per row, in `columns` order (integers as BigInt). */
export interface RowSet {
  columns: string[]
  rows: unknown[][]
}

export interface SqlJob {
  database: string
  sql: string
  params: Record<string, unknown>
  maxRows: number
  timeLimitMs: number
  batch?: readonly BatchStatement[]
  statementLimitMs?: number
}

export interface SqlResult extends RowSet {
  truncated: boolean
  /** For runBatch(): one entry per statement. */
  batch?: BatchResult[]
}

export interface BatchStatement {
  sql: string
  params: Record<string, unknown>
  maxRows: number
}

/** A statement of a batch: its rows, SQLite's error, or that it took longer than its own limit. */
export type BatchResult = (RowSet & { truncated: boolean }) | { error: string } | { timedOut: true }

/** The query ran past its time limit and was stopped. */
export class SqlTimeoutError extends Error {
  override name = 'SqlTimeoutError'
}

/** SQLite refused or failed the query (syntax error, no such table, …). */
export class SqlError extends Error {
  override name = 'SqlError'
}

/** The SQL process died or the pool is shutting down: nothing wrong with the query itself. */
export class SqlUnavailableError extends Error {
  override name = 'SqlUnavailableError'
}

interface Pending extends SqlJob {
  id: number
  resolve: (result: SqlResult) => void
  reject: (error: Error) => void
}

interface Slot {
  child: ChildProcess
  /** The process has opened its databases and loaded its plugins: the time limit can start. */
  ready: boolean
  job: Pending | null
  timer: NodeJS.Timeout | null
  /** Started with a config that has since been reloaded: replaced once idle. */
  stale?: boolean
}

const CHILD = new URL('./child.mjs', import.meta.url)

/**
 * Runs user SQL in a small pool of child processes, so that a runaway query (an endless
 * recursive CTE, a huge cross join) is stopped at its time limit by killing its process,
 * while the server goes on answering.
 *
 * One process is started with the server and a replacement as soon as one is killed, so
 * there is always a warm one; more start when queries queue, up to `size`. A query's time
 * limit starts when a ready process takes it: starting Node, and loading TypeScript and the
 * plugins' SQL functions, is not the query's time (it used to be, and the first query after
 * startup timed out, killed its process, and so the next started cold again).
 */
export class SqlPool {
  private readonly slots: Slot[] = []
  private readonly queue: Pending[] = []
  private nextId = 1
  private closed = false

  constructor(
    private readonly databases: readonly { name: string; path: string | null }[],
    private readonly size: number,
    /** Sent to each process first: plugin modules whose prepareConnection it runs, config, and the page-cache pragma for its connections. */
    private init: { modules: string[]; config: unknown; settings: unknown; pageCache?: string } = { modules: [], config: {}, settings: {} },
  ) {}

  /**
   * The config was reloaded: processes started from now on get the new one; idle processes
   * are replaced now and busy ones once their query is done, so no query sees a mix.
   */
  reconfigure(config: unknown, settings: unknown): void {
    // A reload that changed nothing (a touch, a SIGHUP to be sure) keeps the processes: a
    // new one costs a Node start and a connection per database.
    if (JSON.stringify(config) === JSON.stringify(this.init.config) && JSON.stringify(settings) === JSON.stringify(this.init.settings)) return
    this.init = { ...this.init, config, settings }
    for (const slot of [...this.slots]) {
      slot.stale = true
      if (slot.job === null) this.retire(slot)
    }
    this.afterLoss()
  }

  /** Starts the warm process. */
  warm(): void {
    if (!this.closed && this.slots.length === 0) this.spawn()
  }

  /**
   * Several cheap statements in one process, one after another: each that takes longer than
   * `statementLimitMs` is reported as timed out (it cannot be stopped part way, so the whole
   * batch stays under `timeLimitMs`, after which its process is killed as for any query).
   */
  async runBatch(database: string, statements: readonly BatchStatement[], statementLimitMs: number, timeLimitMs: number): Promise<BatchResult[]> {
    if (statements.length === 0) return []
    const result = await this.run({ database, sql: '', params: {}, maxRows: 0, timeLimitMs, batch: statements, statementLimitMs })
    return result.batch ?? []
  }

  run(job: SqlJob): Promise<SqlResult> {
    if (this.closed) return Promise.reject(new SqlUnavailableError('The server is shutting down'))
    return new Promise((resolve, reject) => {
      this.queue.push({ ...job, id: this.nextId++, resolve, reject })
      this.dispatch()
    })
  }

  close(): void {
    this.closed = true
    for (const slot of this.slots) {
      if (slot.timer) clearTimeout(slot.timer)
      slot.job?.reject(new SqlUnavailableError('The server is shutting down'))
      slot.child.kill('SIGKILL')
    }
    for (const job of this.queue.splice(0)) job.reject(new SqlUnavailableError('The server is shutting down'))
    this.slots.length = 0
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.ready && s.job === null)
      if (!slot) {
        // Everyone busy or starting: one more process, unless enough are starting for the queue.
        const starting = this.slots.filter((s) => !s.ready).length
        if (this.slots.length < Math.max(1, this.size) && starting < this.queue.length) this.spawn()
        return
      }
      const job = this.queue.shift()!
      slot.job = job
      slot.timer = setTimeout(() => this.timeout(slot), job.timeLimitMs)
      slot.child.send({ id: job.id, database: job.database, sql: job.sql, params: job.params, maxRows: job.maxRows, batch: job.batch, statementLimitMs: job.statementLimitMs })
    }
  }

  private spawn(): Slot {
    const child = fork(CHILD, [JSON.stringify(this.databases)], {
      serialization: 'advanced',
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const slot: Slot = { child, ready: false, job: null, timer: null }
    child.send({ type: 'init', ...this.init })
    child.on('message', (message: ({ id: number; ok: boolean; error?: string } & SqlResult) | { type: 'ready' }) => {
      if ('type' in message) {
        slot.ready = true
        this.dispatch()
        return
      }
      const job = slot.job
      if (!job || job.id !== message.id) return
      this.finish(slot)
      if (slot.stale) {
        this.retire(slot)
        this.warm()
      }
      if (message.ok) job.resolve({ columns: message.columns, rows: message.rows, truncated: message.truncated, batch: message.batch })
      else job.reject(new SqlError(message.error))
      this.dispatch()
    })
    child.on('exit', () => {
      this.remove(slot)
      if (slot.job) {
        const job = slot.job
        this.finish(slot)
        job.reject(new SqlUnavailableError('The SQL process running this query stopped unexpectedly; try again'))
      }
      if (!this.closed) this.afterLoss()
    })
    // Do not keep the server's process alive just for idle SQL processes.
    child.unref()
    child.channel?.unref()
    this.slots.push(slot)
    return slot
  }

  private timeout(slot: Slot): void {
    const job = slot.job
    if (!job) return
    this.finish(slot)
    this.remove(slot)
    slot.child.removeAllListeners('exit')
    slot.child.kill('SIGKILL')
    job.reject(new SqlTimeoutError(`SQL query took too long. The time limit is controlled by the sql_time_limit_ms configuration option.`))
    this.afterLoss()
  }

  /** A process is gone: keep one warm, and serve whoever waits. */
  private afterLoss(): void {
    this.warm()
    this.dispatch()
  }

  /** Stops a process that holds an old config (not a loss: nobody is waiting on it). */
  private retire(slot: Slot): void {
    this.remove(slot)
    slot.child.removeAllListeners('exit')
    slot.child.kill('SIGTERM')
  }

  private remove(slot: Slot): void {
    const index = this.slots.indexOf(slot)
    if (index !== -1) this.slots.splice(index, 1)
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer)
    slot.timer = null
    slot.job = null
  }
}
