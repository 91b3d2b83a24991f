/**
 * RFC 6901 JSON pointers (`/tid`, `/ext/tenant~1id`), for `tenant_claim`: the keys of a
 * pointer, or null when it is not one. `''` is the whole document.
 */
export function parsePointer(pointer: string): string[] | null {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) return null
  const keys: string[] = []
  for (const part of pointer.slice(1).split('/')) {
    // `~` only as `~0` (a tilde) or `~1` (a slash).
    if (/~(?![01])/.test(part)) return null
    keys.push(part.replace(/~1/g, '/').replace(/~0/g, '~'))
  }
  return keys
}

/** The value at `keys` in `document`, own properties only (a claim named `constructor` is just a claim); undefined when absent. */
export function resolvePointer(document: unknown, keys: readonly string[]): unknown {
  let node = document
  for (const key of keys) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(key)) return undefined
      node = node[Number(key)]
    } else if (typeof node === 'object' && node !== null && Object.hasOwn(node, key)) {
      node = (node as Record<string, unknown>)[key]
    } else {
      return undefined
    }
  }
  return node
}
