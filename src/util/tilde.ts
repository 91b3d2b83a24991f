/**
 * Datasette's tilde encoding for names and keys in URL paths: every byte of the UTF-8 form
 * except `A-Z a-z 0-9 _ -` becomes `~XX` (upper-case hex), and a space becomes `+`. Unlike
 * percent-encoding it survives proxies that decode `%2F`, and a `.` is encoded, so a path's
 * last `.` always starts the format extension.
 */
const SAFE = /^[A-Za-z0-9_-]*$/

export function tildeEncode(text: string): string {
  if (SAFE.test(text)) return text
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    if ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x5f || byte === 0x2d) {
      out += String.fromCharCode(byte)
    } else if (byte === 0x20) {
      out += '+'
    } else {
      out += '~' + byte.toString(16).toUpperCase().padStart(2, '0')
    }
  }
  return out
}

/**
 * The inverse of tildeEncode. `%XX` sequences are left alone (they were decoded already, or
 * are literal), and malformed `~` sequences stay as they are, as in Datasette.
 */
export function tildeDecode(text: string): string {
  if (!text.includes('~') && !text.includes('+')) return text
  const parts: Buffer[] = []
  for (const piece of text.split(/(~[0-9A-Fa-f]{2}|\+)/)) {
    if (piece === '+') parts.push(Buffer.from(' '))
    else if (piece.length === 3 && piece[0] === '~' && /^~[0-9A-Fa-f]{2}$/.test(piece)) parts.push(Buffer.from([parseInt(piece.slice(1), 16)]))
    else parts.push(Buffer.from(piece, 'utf8'))
  }
  return Buffer.concat(parts).toString('utf8')
}
