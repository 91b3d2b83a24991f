import Database from 'better-sqlite3'
import { existsSync, statSync } from 'node:fs'
import { basename, extname, resolve } from 'node:path'
import { SqlUnavailableError, type BatchResult, type BatchStatement, type SqlPool, type SqlResult } from './sql/pool.ts'
import { QueryPlacement } from './sql/placement.ts'
import type { SqlThreads, ThreadTask } from './sql/threads.ts'

/** One database dataserve serves. */
export interface DatabaseHandle {
  /** The name in URLs: the file's stem, `_memory` for `:memory:`. */
  readonly name: string
  /** Absolute path, or null for an in-memory database. */
  readonly path: string | null
  /** Opened with `-i`: the file will not change while we serve it. */
  readonly immutable: boolean
  /** Read-only, on the server's thread: for queries that are known to be cheap. */
  readonly connection: Database.Database
  /**
   * Runs one read-only statement in the SQL processes, stopped at `timeLimitMs`: for user SQL
   * (`?sql=`, `_where`) and anything that may run long. At most `maxRows` rows
   * (`truncated` says whether there were more); integers come back as BigInt. Rejects with
   * `SqlTimeoutError`, `SqlError` (SQLite refused it) or `SqlUnavailableError` (the process
   * died, or the server is stopping).
   *
   * @example
   * const { columns, rows } = await db.execute('select count(*) from t where x = :x', { x: 1 }, { timeLimitMs: 200, maxRows: 1 })
   */
  execute(sql: string, params: Record<string, unknown>, options: { timeLimitMs: number; maxRows: number }): Promise<SqlResult>
  /**
   * Several cheap statements in one SQL process, one after another: each that runs past
   * `statementLimitMs` is reported `{timedOut: true}`; the whole batch is stopped at `timeLimitMs`.
   */
  executeBatch(statements: readonly BatchStatement[], options: { statementLimitMs: number; timeLimitMs: number }): Promise<BatchResult[]>
  /**
   * Runs one read-only statement your plugin generated (identifiers quoted, values as
   * parameters) where it is cheapest: on the server's thread once it has been seen to take
   * under a millisecond, else on a SQL thread (`num_sql_threads`), so that a scan or a sort
   * never holds the event loop. On a thread it is stopped at `timeLimitMs` (SqlTimeoutError).
   * Rows as `execute()` gives them; at most `maxRows` (default: all). Not for user SQL: use
   * `execute()`, whose processes can be killed mid-statement.
   *
   * @example
   * const { rows } = await db.query('select count(*) from "items" where "category" = :c', { c: 'beta' }, { timeLimitMs: 1000 })
   */
  query(sql: string, params: Record<string, unknown>, options: { timeLimitMs: number; maxRows?: number }): Promise<SqlResult>
  /**
   * Runs a function your plugin exports on a SQL thread, given a read-only connection to this
   * database: `export function myTask({ connection, input }) { … }`, named by
   * `{ module: import.meta.url, name: 'myTask' }`. For work that reads and encodes a lot (a
   * CSV stream's chunk); input and result are copied between threads, except the result's
   * top-level Uint8Arrays, which are moved. Stopped at `timeLimitMs`. With `num_sql_threads: 0`
   * it runs on the server's thread.
   */
  task<T>(task: ThreadTask, input: unknown, options: { timeLimitMs: number }): Promise<T>
}

export interface DatabaseFile {
  path: string
  immutable?: boolean
}

export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError'
}

/**
 * Opens every file read-only. Names come from file stems; a stem seen twice gets `_2`,
 * `_3`…, as Datasette does. better-sqlite3 is built without URI filenames, so `immutable`
 * cannot be passed to SQLite: an immutable file is opened read-only like the others and
 * flagged so plugins may cache what they derive from it.
 */
export function openDatabases(files: readonly DatabaseFile[], options: OpenOptions = {}): DatabaseHandle[] {
  const sql = () => {
    if (!options.sql) throw new SqlUnavailableError('These databases have no SQL processes')
    return options.sql()
  }
  const handles: DatabaseHandle[] = []
  const taken = new Set<string>()
  try {
    for (const file of files) {
      const isMemory = file.path === ':memory:'
      const stem = isMemory ? '_memory' : basename(file.path, extname(file.path))
      let name = stem
      for (let n = 2; taken.has(name); n++) name = `${stem}_${n}`
      taken.add(name)
      const connection = open(file.path, options.cacheSizeKb ?? 0)
      const placement = new QueryPlacement(name, connection, () => options.threads?.() ?? null)
      handles.push({
        name,
        path: isMemory ? null : resolve(file.path),
        immutable: !!file.immutable,
        connection,
        query: (text, params, { timeLimitMs, maxRows = Number.MAX_SAFE_INTEGER }) => placement.run(text, params, maxRows, timeLimitMs),
        task: async <T>(task: ThreadTask, input: unknown, { timeLimitMs }: { timeLimitMs: number }) => {
          const threads = options.threads?.()
          // No threads (num_sql_threads: 0): on this thread, as Datasette runs everything then.
          if (!threads || threads.size === 0) return ((await import(task.module)) as Record<string, (args: { connection: Database.Database; input: unknown }) => T>)[task.name]!({ connection, input })
          return threads.task<T>(task, name, input, timeLimitMs)
        },
        execute: async (text, params, { timeLimitMs, maxRows }) => sql().run({ database: name, sql: text, params, maxRows, timeLimitMs }),
        executeBatch: async (statements, { statementLimitMs, timeLimitMs }) => sql().runBatch(name, statements, statementLimitMs, timeLimitMs),
      })
    }
  } catch (error) {
    for (const handle of handles) handle.connection.close()
    throw error
  }
  return handles
}

export interface OpenOptions {
  /** Datasette's `cache_size_kb` setting: SQLite's page cache per connection; 0 for SQLite's default. */
  cacheSizeKb?: number
  /** The SQL processes `execute()` runs in (made once the databases are known). */
  sql?: () => SqlPool
  /** The SQL threads `query()` and `task()` use; none: everything on the server's thread. */
  threads?: () => SqlThreads | null
}

/**
 * SQLite's page cache for a connection: `cache_size_kb`, or SQLite's own default (2 MB) when
 * 0. Not better-sqlite3's default of 16 MB: the files are read-only, so the operating
 * system's cache holds them anyway, and a full-table stream would otherwise grow the process
 * by 16 MB per connection.
 */
export function pageCachePragma(cacheSizeKb: number): string {
  return `cache_size = -${cacheSizeKb > 0 ? Math.floor(cacheSizeKb) : 2000}`
}

function open(path: string, cacheSizeKb: number): Database.Database {
  if (path === ':memory:') return new Database(':memory:')
  if (!existsSync(path)) throw new DatabaseOpenError(`database file not found: ${path}`)
  if (!statSync(path).isFile()) throw new DatabaseOpenError(`not a file: ${path}`)
  let connection: Database.Database | undefined
  try {
    connection = new Database(path, { readonly: true, fileMustExist: true })
    connection.pragma(pageCachePragma(cacheSizeKb))
    // Opening is lazy: read the schema now so a file that is not SQLite fails at startup.
    connection.prepare('select count(*) from sqlite_master').get()
    return connection
  } catch (error) {
    connection?.close()
    throw new DatabaseOpenError(`cannot open ${path} as a SQLite database: ${(error as Error).message}`)
  }
}
