/**
 * Reads which named arguments a hook implementation takes, from its source text.
 *
 * pluggy checks that an implementation's parameters are a subset of the spec's arguments,
 * so `def actor_from_request(requst)` fails at registration instead of at call time. Our
 * implementations take one destructured object, `({ ds, request }) => …`, so the same check
 * reads the keys of that pattern. It answers `null` when it cannot tell (a plain `args`
 * parameter, a `...rest` element, a computed key): those are not checked.
 */
export function destructuredArgNames(fn: Function): string[] | null {
  let source: string
  try {
    source = Function.prototype.toString.call(fn)
  } catch {
    return null
  }
  const open = firstParameterStart(source)
  if (open === -1) return null
  let i = skipSpaceAndComments(source, open + 1)
  if (source[i] !== '{') return null
  return readPatternKeys(source, i + 1)
}

/** Index of the `(` opening the parameter list, or -1 when the first parameter is not in parentheses. */
function firstParameterStart(source: string): number {
  let i = skipSpaceAndComments(source, 0)
  if (source.startsWith('async', i) && !/[\w$]/.test(source[i + 5] ?? '')) i = skipSpaceAndComments(source, i + 5)
  // `x => …` and `async x => …`: a single bare parameter, never a pattern.
  const bare = /^[\w$]+\s*=>/.exec(source.slice(i))
  if (bare) return -1
  const paren = source.indexOf('(', i)
  const arrow = source.indexOf('=>', i)
  if (paren === -1 || (arrow !== -1 && arrow < paren)) return -1
  return paren
}

function skipSpaceAndComments(source: string, i: number): number {
  for (;;) {
    while (i < source.length && /\s/.test(source[i]!)) i++
    if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i)
      i = end === -1 ? source.length : end + 1
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2)
      i = end === -1 ? source.length : end + 2
    } else {
      return i
    }
  }
}

/** Collects the top-level keys of an object pattern whose `{` ends just before `start`. */
function readPatternKeys(source: string, start: number): string[] | null {
  const keys: string[] = []
  let i = start
  for (;;) {
    i = skipSpaceAndComments(source, i)
    if (source[i] === '}') return keys
    if (source.startsWith('...', i) || source[i] === '[') return null
    const key = readKey(source, i)
    if (!key) return null
    keys.push(key.name)
    i = skipValue(source, key.end)
    if (i === -1) return null
    if (source[i] === '}') return keys
    i++ // the comma
  }
}

function readKey(source: string, i: number): { name: string; end: number } | null {
  const quote = source[i]
  if (quote === '"' || quote === "'") {
    const end = source.indexOf(quote, i + 1)
    return end === -1 ? null : { name: source.slice(i + 1, end), end: end + 1 }
  }
  const match = /^[\p{L}\p{Nl}$_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}$]*/u.exec(source.slice(i))
  return match ? { name: match[0], end: i + match[0].length } : null
}

/** Skips `: alias`, `= default` or nested patterns up to the next top-level `,` or `}`. */
function skipValue(source: string, i: number): number {
  let depth = 0
  while (i < source.length) {
    const ch = source[i]!
    if (ch === '"' || ch === "'" || ch === '`') {
      i = skipString(source, i)
      if (i === -1) return -1
      continue
    }
    if (source.startsWith('//', i) || source.startsWith('/*', i)) {
      i = skipSpaceAndComments(source, i)
      continue
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) return ch === '}' ? i : -1
      depth--
    } else if (ch === ',' && depth === 0) return i
    i++
  }
  return -1
}

function skipString(source: string, i: number): number {
  const quote = source[i]
  for (let j = i + 1; j < source.length; j++) {
    if (source[j] === '\\') j++
    else if (source[j] === quote) return j + 1
  }
  return -1
}
