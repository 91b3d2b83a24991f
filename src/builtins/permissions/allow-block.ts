import { ConfigError, describeValue, type Actor } from '../../plugin-api.ts'

/**
 * Does `actor` match a Datasette allow block?
 * - `true` / `false`: everyone / nobody;
 * - `{id: alice}`, `{id: [alice, bob]}`: a key of the actor equals one of the values (an
 *   actor key holding a list matches if any item does);
 * - `{id: "*"}`: the actor has that key at all;
 * - `{unauthenticated: true}`: no actor;
 * - several keys: any of them matching is enough; `{}` matches nobody.
 */
export function actorMatchesAllow(actor: Actor | null, allow: unknown): boolean {
  if (allow === true) return true
  if (allow === false || allow === null || typeof allow !== 'object') return false
  const block = allow as Record<string, unknown>
  if (actor === null && block.unauthenticated === true) return true
  const fields: Record<string, unknown> = actor ?? {}
  for (const [key, wanted] of Object.entries(block)) {
    if (key === 'unauthenticated') continue
    // Own keys only: `{constructor: "*"}` must not match every actor through Object.prototype.
    const have = Object.hasOwn(fields, key) ? fields[key] : undefined
    if (wanted === '*') {
      if (have !== undefined) return true
      continue
    }
    if (have === undefined || have === null) continue
    const wantedList = Array.isArray(wanted) ? wanted : [wanted]
    const haveList = Array.isArray(have) ? have : [have]
    if (haveList.some((value) => wantedList.includes(value))) return true
  }
  return false
}

/** Checks an allow block's shape; a bad one stops startup with its path. */
export function checkAllowBlock(block: unknown, file: string, path: string[]): void {
  if (block === null || block === undefined || typeof block === 'boolean') return
  if (typeof block !== 'object' || Array.isArray(block)) {
    throw new ConfigError(file, path, `an allow block must be true, false or a mapping like {id: alice}, got ${describeValue(block)}`)
  }
  for (const [key, value] of Object.entries(block)) {
    if (key === 'unauthenticated') {
      if (typeof value !== 'boolean') throw new ConfigError(file, [...path, key], 'unauthenticated must be true or false')
      continue
    }
    const ok =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ||
      (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
    if (!ok) throw new ConfigError(file, [...path, key], `expected a value, "*" or a list of values, got ${describeValue(value)}`)
  }
}
