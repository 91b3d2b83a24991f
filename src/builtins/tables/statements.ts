import type Database from 'better-sqlite3'
import { BoundedMap } from '../../plugin-api.ts'

const caches = new WeakMap<Database.Database, BoundedMap<string, Database.Statement>>()

/**
 * A prepared statement in raw (array) mode, reused across requests. Preparing costs more
 * than running a page query, and statements hold native memory the GC does not see, so a
 * stream preparing one per chunk would grow the process by tens of MB.
 *
 * Integers come back as BigInt (`safeIntegers`), so values beyond 2^53 are exact, and a
 * JavaScript number always means a REAL: written `12.0`, as Python writes a float.
 */
export function rawStatement(connection: Database.Database, sql: string): Database.Statement {
  let cache = caches.get(connection)
  if (!cache) caches.set(connection, (cache = new BoundedMap(256)))
  let stmt = cache.get(sql)
  if (!stmt) cache.set(sql, (stmt = connection.prepare(sql).raw(true).safeIntegers(true)))
  return stmt
}
