import type Database from 'better-sqlite3'
import { BoundedMap } from '../util/bounded-map.ts'
import type { SqlResult } from './pool.ts'
import type { SqlThreads } from './threads.ts'

/**
 * Above this a statement runs on a SQL thread. A thread hop costs the event loop about
 * 0.1 ms (post, clone the rows back, wake up); a plain keyset page costs SQLite about
 * 0.1 ms, a count or a filtered sort of a 100,000-row table 3 to 30 ms.
 */
const HEAVY_MS = 1

/** How much one observation moves a statement's cost: a few cheap runs bring a once-slow statement back. */
const WEIGHT = 0.3

/**
 * Where a generated statement runs: on the server's thread when it is known to be cheap,
 * else on a SQL thread, so that a scan or a sort never holds the event loop. Known means
 * observed: each statement's cost (per SQL text) is measured wherever it runs. A statement
 * not seen yet goes to a thread: guessing from the query plan misses the common case of a
 * filter on an unindexed column, which is a `SCAN` whether it stops after 50 rows or reads
 * them all.
 */
export class QueryPlacement {
  private readonly costs = new BoundedMap<string, number>(2000)
  private readonly statements = new BoundedMap<string, { stmt: Database.Statement; columns: string[] }>(256)

  constructor(
    private readonly database: string,
    private readonly connection: Database.Database,
    private readonly threads: () => SqlThreads | null,
  ) {}

  async run(sql: string, params: Record<string, unknown>, maxRows: number, timeLimitMs: number): Promise<SqlResult> {
    const threads = this.threads()
    const cost = this.costs.get(sql)
    if (threads !== null && threads.size > 0 && (cost === undefined || cost > HEAVY_MS)) {
      const result = await threads.query(this.database, sql, params, maxRows, timeLimitMs)
      this.observe(sql, result.ms)
      return { columns: result.columns, rows: result.rows, truncated: result.truncated }
    }
    const { stmt, columns } = this.statement(sql)
    const started = performance.now()
    const rows = stmt.all(params) as unknown[][]
    this.observe(sql, performance.now() - started)
    const truncated = rows.length > maxRows
    if (truncated) rows.length = maxRows
    return { columns, rows, truncated }
  }

  private observe(sql: string, ms: number): void {
    const cost = this.costs.get(sql)
    this.costs.set(sql, cost === undefined ? ms : cost * (1 - WEIGHT) + ms * WEIGHT)
  }

  private statement(sql: string): { stmt: Database.Statement; columns: string[] } {
    let prepared = this.statements.get(sql)
    if (!prepared) {
      const stmt = this.connection.prepare(sql)
      if (!stmt.reader) throw Object.assign(new Error('Statement must return rows'), { code: 'SQLITE_MISUSE' })
      prepared = { stmt: stmt.raw(true).safeIntegers(true), columns: stmt.columns().map((column) => column.name) }
      this.statements.set(sql, prepared)
    }
    return prepared
  }
}
