/** What an `Authorization` header says, for the Basic scheme. */
export type BasicCredentials =
  /** Another scheme (Bearer…): not ours to judge. */
  | { kind: 'other' }
  /** Basic, but not well-formed: refused like a wrong password. */
  | { kind: 'malformed' }
  | { kind: 'basic'; username: string; password: string }

const SCHEME = /^[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:[ \t]+(.*?))?[ \t]*$/s
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const CONTROL = /[\x00-\x1f\x7f]/
/** Far longer than any username and password anyone types: refuse before decoding megabytes. */
const MAX_LENGTH = 4096
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Parses `Authorization: Basic <base64(user:password)>` strictly (RFC 7617). Node's base64
 * decoder skips characters it does not know, so `!!!YWRtaW46cHc=` would become `admin:pw`:
 * here only canonical base64 passes (the alphabet, padding to a multiple of four, and the
 * same text when encoded again). Then UTF-8 with no invalid sequences, split at the first
 * colon (a password may hold colons), no control characters on either side.
 */
export function parseBasicAuthorization(header: string): BasicCredentials {
  const match = SCHEME.exec(header)
  if (!match) return { kind: 'malformed' }
  if (match[1]!.toLowerCase() !== 'basic') return { kind: 'other' }
  const encoded = match[2] ?? ''
  if (encoded === '' || encoded.length > MAX_LENGTH || encoded.length % 4 !== 0 || !BASE64.test(encoded)) return { kind: 'malformed' }
  const bytes = Buffer.from(encoded, 'base64')
  if (bytes.toString('base64') !== encoded) return { kind: 'malformed' }
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return { kind: 'malformed' }
  }
  const colon = text.indexOf(':')
  if (colon <= 0) return { kind: 'malformed' }
  const username = text.slice(0, colon)
  const password = text.slice(colon + 1)
  if (CONTROL.test(text)) return { kind: 'malformed' }
  return { kind: 'basic', username: username.normalize('NFC'), password: password.normalize('NFC') }
}
