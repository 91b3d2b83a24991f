import type { Context } from 'hono'
import { BadRequestError } from './errors.ts'

/** Helpers for reading request input; every bad value is a 400 naming the parameter. */

/** The body as a JSON object. */
export async function jsonObjectBody(c: Context): Promise<Record<string, unknown>> {
  let body: unknown
  try {
    body = await c.req.json()
  } catch {
    throw new BadRequestError('Body is not valid JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('Body must be a JSON object')
  return body as Record<string, unknown>
}

/** A query-string integer ≥ 1 (`page=2`). */
export function positiveInt(text: string, name: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new BadRequestError(`${name} must be a positive integer`)
  return Number(text)
}

/** An optional JSON number of seconds > 0 (`expires_after`). */
export function optionalSeconds(value: unknown, name = 'expires_after'): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new BadRequestError(`${name} must be a positive whole number of seconds`)
  return value
}

/**
 * `?page=` and `?page_size=` of a paginated listing: positive integers, the size capped at
 * `maxSize`; `offset` is where the page starts.
 *
 * @example
 * const { page, size, offset } = pageParams(c.req.query('page'), c.req.query('page_size'), { defaultSize: 50, maxSize: 200 })
 */
export function pageParams(page: string | undefined, pageSize: string | undefined, limits: { defaultSize: number; maxSize: number }) {
  const number = positiveInt(page ?? '1', 'page')
  const size = Math.min(positiveInt(pageSize ?? String(limits.defaultSize), 'page_size'), limits.maxSize)
  return { page: number, size, offset: (number - 1) * size }
}

/** Datasette's truthy flags: `_dl=1`, `_stream=on`. */
export function isOn(value: string | undefined): boolean {
  return value !== undefined && ['1', 'on', 'true', 'yes'].includes(value.toLowerCase())
}

/** Datasette's falsy flags: `_header=off`. */
export function isOff(value: string | undefined): boolean {
  return value !== undefined && ['0', 'off', 'false', 'no'].includes(value.toLowerCase())
}
