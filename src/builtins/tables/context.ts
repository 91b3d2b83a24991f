import type { Context } from 'hono'
import { schemaFor, type TableInfo } from './schema.ts'
import { BadRequestError, HttpError, NotFoundError, SqlError, SqlTimeoutError, SqlUnavailableError, type DatabaseHandle, type Dataserve, type DataserveEnv } from '../../plugin-api.ts'

export type Ctx = Context<DataserveEnv>

export function getDatabase(ds: Dataserve, name: string): DatabaseHandle {
  const db = ds.databases.get(name)
  if (!db) throw new NotFoundError(`Database not found: ${name}`)
  return db
}

export function getTable(db: DatabaseHandle, name: string): TableInfo {
  const table = schemaFor(db).tables.get(name)
  if (!table) throw new NotFoundError(`Table not found: ${name}`)
  return table
}

/** The query string, keeping blank values (`?name__exact=` filters on the empty string). */
export function queryOf(c: Ctx): URLSearchParams {
  const url = c.req.url
  const q = url.indexOf('?')
  return new URLSearchParams(q === -1 ? '' : url.slice(q + 1))
}

/** A parameter given at most once; twice is ambiguous. */
export function single(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name)
  if (values.length > 1) throw new BadRequestError(`${name} was given more than once`)
  return values[0]
}

/** Every value of a repeatable parameter, comma lists split (`_extra=a,b&_extra=c`). */
export function listParam(query: URLSearchParams, name: string): string[] {
  return query.getAll(name).flatMap((value) => value.split(',')).filter((value) => value !== '')
}

/** Cache-Control from `default_cache_ttl`, overridden by `?_ttl=`. */
export function cacheControl(c: Ctx, query: URLSearchParams): string {
  const given = single(query, '_ttl')
  let ttl = c.get('ds').settings.default_cache_ttl
  if (given !== undefined) {
    if (!/^\d+$/.test(given)) throw new BadRequestError('_ttl must be a whole number of seconds')
    ttl = Number(given)
  }
  return ttl === 0 ? 'no-cache' : `max-age=${ttl}`
}

/** The time limit for one query: the setting, or less with `?_timelimit=`. */
export function timeLimit(ds: Dataserve, query: URLSearchParams): number {
  const limit = ds.settings.sql_time_limit_ms
  const given = single(query, '_timelimit')
  if (given === undefined) return limit
  if (!/^\d+$/.test(given)) throw new BadRequestError('_timelimit must be a whole number of milliseconds')
  return Math.min(Number(given), limit)
}

/**
 * SQLite's complaint or a timeout become a 400; a SQL process that died under the query a
 * 503 to retry; anything else is a bug and stays one.
 */
export function asBadRequest(error: unknown): never {
  if (error instanceof SqlTimeoutError || error instanceof SqlError) throw new BadRequestError(error.message)
  if (error instanceof SqlUnavailableError) throw new HttpError(503, error.message, { 'Retry-After': '1' })
  if (error instanceof Error && (error as { code?: string }).code?.startsWith('SQLITE_')) throw new BadRequestError(error.message)
  throw error
}
