import { describeValue, didYouMean, pluginBlock, sha256, type Actor, type Dataserve } from '../../plugin-api.ts'

/** `plugins.api-key` in datasette.yaml: Dashdown's shared keys, several allowed, each with its actor. */
export interface ApiKeyConfig {
  /** Lower case: headers are matched case-insensitively. */
  header: string
  /** As written, for the challenge and messages. */
  headerName: string
  /** SHA-256 of each key, in config order; compared whole, every one, on every request. */
  digests: Buffer[]
  /** The actor of each key, same order. */
  actors: Actor[]
  grantRead: boolean
}

const KEYS = ['enabled', 'header', 'key', 'keys', 'grant_read']
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** A header value that arrives intact: printable ASCII, no spaces (trimmed) and no comma (two header lines are joined with one). */
export const KEY_TEXT = /^[\x21-\x2b\x2d-\x7e]+$/
/** Headers that carry something else, or that a browser or proxy sets itself. */
const RESERVED = new Set(['authorization', 'cookie', 'host', 'content-type', 'content-length', 'forwarded', 'x-forwarded-for', 'x-admin-token'])
const SHORT_KEY = 16

/**
 * Reads and checks `plugins.api-key`: null when there is no block or it is disabled. An
 * empty key, a `keys` entry without `key`, or a key a header cannot carry stops startup
 * with the key's place; nothing here prints a key.
 */
export function parseApiKeyConfig(ds: Dataserve, notice: (message: string) => void): ApiKeyConfig | null {
  const block = pluginBlock(ds, 'api-key', KEYS)
  if (!block) return null
  const { values, has, fail, bool } = block
  const enabled = bool('enabled', true)
  const grantRead = bool('grant_read', true)

  let headerName = 'X-API-Key'
  if (has('header')) {
    if (typeof values.header !== 'string' || !TOKEN.test(values.header)) fail(['header'], `expected a header name like X-API-Key, got ${describeValue(values.header)}`)
    headerName = values.header as string
    if (RESERVED.has(headerName.toLowerCase())) fail(['header'], `${headerName} carries something else: pick a header of your own, like X-API-Key`)
  }

  const entries: { key: unknown; actor: unknown; place: string[]; keyPlace: string[] }[] = []
  if (has('key') && has('keys')) fail(['keys'], 'give key or keys, not both')
  if (has('key')) entries.push({ key: values.key, actor: undefined, place: [], keyPlace: ['key'] })
  else if (has('keys')) {
    if (!Array.isArray(values.keys)) fail(['keys'], `expected a list of keys (or of {key, actor}), got ${describeValue(values.keys, { secret: true })}`)
    const list = values.keys as unknown[]
    if (list.length === 0) fail(['keys'], 'expected at least one key')
    list.forEach((entry, i) => {
      if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
        const fields = entry as Record<string, unknown>
        for (const field of Object.keys(fields)) if (field !== 'key' && field !== 'actor') fail(['keys', String(i), field], `unknown key${didYouMean(field, ['key', 'actor'])}`)
        if (!Object.hasOwn(fields, 'key')) fail(['keys', String(i), 'key'], 'is required: the secret a client sends')
        entries.push({ key: fields.key, actor: fields.actor, place: ['keys', String(i)], keyPlace: ['keys', String(i), 'key'] })
      } else entries.push({ key: entry, actor: undefined, place: ['keys', String(i)], keyPlace: ['keys', String(i)] })
    })
  } else if (enabled) fail([], 'needs key (one secret) or keys (a list)')

  const digests: Buffer[] = []
  const actors: Actor[] = []
  const seen = new Set<string>()
  entries.forEach(({ key, actor, place, keyPlace }, i) => {
    if (key === null || key === undefined || key === '') fail(keyPlace, 'the key is empty: every key must be a secret')
    if (typeof key !== 'string') fail(keyPlace, `expected a secret string, got ${describeValue(key, { secret: true })}`)
    if (!KEY_TEXT.test(key as string)) fail(keyPlace, 'a key must be printable ASCII without spaces or commas (a header carries it)')
    if (seen.has(key as string)) fail(keyPlace, 'this key is given twice')
    seen.add(key as string)
    if ((key as string).length < SHORT_KEY) notice(`dataserve: warning: plugins.api-key.${keyPlace.join('.')} is shorter than ${SHORT_KEY} characters: easy to guess (openssl rand -hex 32 makes a good one)`)
    digests.push(sha256(key as string))
    actors.push(actorOf(actor, i + 1, [...place, 'actor'], fail))
  })
  return enabled ? { header: headerName.toLowerCase(), headerName, digests, actors, grantRead } : null
}

function actorOf(given: unknown, position: number, place: string[], fail: (keys: readonly string[], problem: string) => never): Actor {
  if (given === undefined || given === null) return { id: 'api-key', auth: 'api-key', key: position }
  if (typeof given !== 'object' || Array.isArray(given) || typeof (given as Actor).id !== 'string' || (given as Actor).id === '') {
    fail(place, `expected an actor like {id: etl}, got ${describeValue(given)}`)
  }
  // Copied out of the null-prototype config; `auth` says where it came from unless the config says otherwise.
  return { auth: 'api-key', ...(given as Actor) }
}

/** The challenge a client learns the header from. */
export function apiKeyChallenge(headerName: string): string {
  return `ApiKey realm="dataserve", header="${headerName}"`
}
