import Database from 'better-sqlite3'
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { TokenReader } from './managed-reader.ts'
import { nowSeconds, SCHEMA, type Bookkeeping, type CreateOptions, type ManagedToken, type TokenEvent, type TokenStatus } from './managed-schema.ts'
import { inProcessWriter, threadWriter, WriteFailedError, type WriterPort } from './managed-writer-port.ts'
import { HttpError, fileIdentity, type Actor, type Awaitable } from '../../plugin-api.ts'

/** How long a read keeps trying while another connection holds the database locked. */
const READ_PATIENCE_MS = 250
const READ_RETRY_MS = 15
/** Bookkeeping held back while a batch is gathered for the writer. */
const MAX_PENDING = 10_000
/** How often the internal database file is checked for having been deleted or replaced. */
const FILE_CHECK_MS = 100

/**
 * Managed tokens for a running server. The rule is that a request never waits on the
 * internal database and never fails for bookkeeping:
 *
 * - reads (verify, lookups) run on the server's thread, on a read-only connection that never
 *   waits for a lock: when another process holds one, the read is tried again a few times
 *   from timers, then the request gets 503 with Retry-After;
 * - writes (create, revoke) go to the writer thread, which may wait for a lock; a write it
 *   cannot make is a 503;
 * - bookkeeping (last used, audit events) is handed to the writer thread in batches and
 *   retried there until the database takes it;
 * - the file is watched on every use: replaced (a restore, a copy over it) it is reopened;
 *   gone, managed tokens are refused with 503 until it is back, and the log says so.
 */
export class ManagedTokenService {
  private reader: TokenReader
  private db: Database.Database
  private identity: string | null
  private pending: Bookkeeping[] = []
  private flushQueued = false
  private lastProblem: string | null = null
  private checkedAt = -Infinity
  private readonly watcher: FSWatcher | null = null

  private constructor(
    readonly path: string,
    private readonly writer: WriterPort,
    private readonly log: (message: string) => void,
    private readonly now: () => number,
    db: Database.Database,
  ) {
    this.db = db
    this.identity = path === ':memory:' ? null : fileIdentity(path)
    this.reader = this.newReader(db)
    if (path !== ':memory:') this.watcher = this.watch()
  }

  /** Any change to the file's directory entry (deleted, renamed over) makes the next use look. */
  private watch(): FSWatcher | null {
    try {
      const name = basename(this.path)
      const watcher = watch(dirname(resolve(this.path)), (_event, file) => {
        if (file === null || file === name) this.checkedAt = -Infinity
      })
      watcher.on('error', () => watcher.close())
      watcher.unref()
      return watcher
    } catch {
      return null // no file watching here: the periodic check still runs
    }
  }

  /** Opens the store: for a file, starts the writer thread (which creates the schema) and then the read connection. */
  static async open(path: string, log: (message: string) => void, now: () => number = nowSeconds): Promise<ManagedTokenService> {
    if (path === ':memory:') {
      const db = new Database(':memory:')
      db.exec(SCHEMA)
      let service: ManagedTokenService | undefined
      const writer = inProcessWriter(db, now, (id) => service?.forget(id))
      return (service = new ManagedTokenService(path, writer, log, now, db))
    }
    const writer = await threadWriter(path, log)
    return new ManagedTokenService(path, writer, log, now, ManagedTokenService.readConnection(path))
  }

  verify(token: string, path: string | null): Awaitable<Actor> {
    return this.read(() => this.reader.verify(token, path))
  }

  get(id: string): Awaitable<ManagedToken | undefined> {
    return this.read(() => this.reader.get(id))
  }

  list(filter: { status?: TokenStatus; actorId?: string; limit: number; offset: number }): Awaitable<{ tokens: ManagedToken[]; total: number }> {
    return this.read(() => this.reader.list(filter))
  }

  /** The audit trail, including what requests before this one recorded. */
  async events(filter: { tokenId?: string; limit: number; offset: number }): Promise<TokenEvent[]> {
    this.flush()
    await this.writer.sync()
    return this.read(() => this.reader.events(filter))
  }

  async create(actorId: string, options: CreateOptions): Promise<{ token: string; record: ManagedToken }> {
    this.checkFile()
    return this.write(() => this.writer.create(actorId, options))
  }

  async revoke(id: string, by: string | null): Promise<ManagedToken | undefined> {
    this.checkFile()
    return this.write(() => this.writer.revoke(id, by))
  }

  /** Hands the writer what is still pending, lets it finish, closes the read connection. */
  async close(): Promise<void> {
    this.flush()
    this.watcher?.close()
    await this.writer.close()
    if (this.db.open) this.db.close()
  }

  private forget(id: string): void {
    this.reader.forget(id)
  }

  private newReader(db: Database.Database): TokenReader {
    return new TokenReader(db, (entry) => this.record(entry), this.now, this.path !== ':memory:')
  }

  private static readConnection(path: string): Database.Database {
    // timeout 0: a lock held elsewhere is an immediate SQLITE_BUSY, never a wait on this thread.
    return new Database(path, { readonly: true, fileMustExist: true, timeout: 0 })
  }

  private record(entry: Bookkeeping): void {
    if (this.pending.length >= MAX_PENDING) this.pending.shift()
    this.pending.push(entry)
    if (this.flushQueued) return
    this.flushQueued = true
    setImmediate(() => this.flush())
  }

  private flush(): void {
    this.flushQueued = false
    if (this.pending.length === 0) return
    const batch = this.pending
    this.pending = []
    try {
      this.writer.record(batch)
    } catch (error) {
      // In-process (an in-memory database): nothing can lock it, so this is a real fault; report it, never the request.
      this.problem(`cannot write audit and last-used rows: ${(error as Error).message}`)
    }
  }

  /** Runs a read now; when the database is locked, again from timers; then 503. */
  private read<T>(run: () => T): Awaitable<T> {
    try {
      this.checkFile()
      return run()
    } catch (error) {
      if (!isBusy(error)) throw this.unavailable(error)
    }
    return this.readLater(run, performance.now() + READ_PATIENCE_MS)
  }

  private async readLater<T>(run: () => T, deadline: number): Promise<T> {
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, READ_RETRY_MS))
      try {
        this.checkFile()
        return run()
      } catch (error) {
        if (!isBusy(error)) throw this.unavailable(error)
      }
    }
    throw new HttpError(503, 'The internal database is locked by another process; try again shortly', { 'Retry-After': '1' })
  }

  private async write<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      if (!(error instanceof WriteFailedError)) throw error
      if (isBusy(error)) throw new HttpError(503, 'The internal database is locked by another process; try again shortly', { 'Retry-After': '1' })
      this.problem(`cannot write to ${this.path}: ${error.message}`)
      throw new HttpError(503, 'Managed tokens cannot be written right now', { 'Retry-After': '5' })
    }
  }

  /**
   * Is the file at `path` still the one we opened? Replaced: reopen it. Gone: refuse (503)
   * rather than serve from a file nobody else can see any more — the CLI would revoke in
   * the new one while the old one kept accepting the token.
   */
  private checkFile(): void {
    if (this.path === ':memory:') return
    // A stat per request cost the managed-token path about 1 % of a table page: look when the
    // directory watcher saw the name change, and at most every FILE_CHECK_MS otherwise.
    // Only a good answer is remembered: a missing file is looked for again on every use.
    const at = performance.now()
    if (at - this.checkedAt < FILE_CHECK_MS) return
    const now = fileIdentity(this.path)
    if (now === this.identity) {
      this.checkedAt = at
      return
    }
    if (now === null) {
      this.problem(`the internal database ${this.path} has disappeared: managed tokens are refused (503) until it is restored`)
      throw new HttpError(503, 'Managed tokens are unavailable: the internal database is missing', { 'Retry-After': '5' })
    }
    const db = ManagedTokenService.readConnection(this.path)
    this.db.close()
    this.db = db
    this.reader = this.newReader(db)
    this.identity = now
    this.checkedAt = at
    this.lastProblem = null
    this.log(`dataserve: the internal database ${this.path} was replaced: reopened it`)
  }

  /** A failure that is not the client's: 503, and one log line per distinct problem. */
  private unavailable(error: unknown): unknown {
    if (error instanceof HttpError || !(error instanceof Error) || !('code' in error)) return error
    this.problem(`cannot read ${this.path}: ${(error as Error & { code: string }).code}: ${error.message}`)
    return new HttpError(503, 'Managed tokens are unavailable: the internal database cannot be read', { 'Retry-After': '5' })
  }

  private problem(message: string): void {
    if (message === this.lastProblem) return
    this.lastProblem = message
    this.log(`dataserve: ${message}`)
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
}
