// CSV text as Datasette writes it, with no imports: the SQL threads load this file to encode
// a stream's chunks (csv-chunk-task.ts), and should not load the whole server to do so.

/**
 * CSV as Datasette writes it with Python's csv module: CRLF line endings, fields quoted only
 * when they hold a comma, a quote, CR or LF (quotes doubled), NULL as an empty field,
 * integers exactly and REAL values the way Python prints floats (`3.0`, `1e-05`). Rows come
 * with integers as BigInt (statements.ts), so a JavaScript number is always a REAL.
 */

const NEEDS_QUOTES = /[",\r\n]/
/** What a spreadsheet may run as a formula when a cell starts with it (OWASP's list). */
const FORMULA_START = /^[=+\-@\t\r]/
/** …unless the whole text is a plain number (`-5`, `+3.25`), which a spreadsheet reads as one. */
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * One field. With `escapeFormulas` (the `csv_escape_formulas` setting), text that a
 * spreadsheet would run as a formula (`=HYPERLINK(…)`, `@SUM(…)`, `+cmd|…`) gets a leading
 * `'`, as OWASP advises against CSV injection; numbers and number-like text are left alone.
 */
export function csvField(value: unknown, escapeFormulas = false): string {
  let text: string
  switch (typeof value) {
    case 'string':
      text = escapeFormulas && FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value
      break
    case 'number':
      text = pythonFloat(value)
      break
    case 'bigint':
      text = value.toString()
      break
    case 'object':
      if (value === null) return ''
      text = value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') : JSON.stringify(value)
      break
    default:
      return ''
  }
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** One CSV line, CRLF-terminated. */
export function csvLine(values: readonly unknown[], escapeFormulas = false): string {
  // Python writes a row holding one empty field as "" so it is not read back as no row.
  if (values.length === 1 && (values[0] === '' || values[0] === null)) return '""\r\n'
  let line = ''
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ','
    line += csvField(values[i], escapeFormulas)
  }
  return line + '\r\n'
}

/** Python's repr() of a float: shortest round-trip digits, exponent below 1e-4 and from 1e16. */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan'
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf'
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0'
  const abs = Math.abs(value)
  if (abs >= 1e16 || abs < 1e-4) {
    // JS: 1.5e-7 / 1e+21; Python: 1.5e-07 / 1e+21 (two-digit exponent minimum)
    const [mantissa, exponent] = value.toExponential().split('e') as [string, string]
    const sign = exponent.startsWith('-') ? '-' : '+'
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0')
    return `${mantissa}e${sign}${digits}`
  }
  // JSON.stringify writes the same digits as String() for finite numbers, but String() of a
  // double goes through V8's number-string cache, which allocates in the old generation: a
  // million-row stream then left ~30 MB of garbage for the next full GC.
  const text = JSON.stringify(value)
  return text.includes('.') || text.includes('e') ? text : `${text}.0`
}
