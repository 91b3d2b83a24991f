import { describeValue, pluginBlock, type Dataserve } from '../../plugin-api.ts'
import { looksLikeHash, parsePasswordHash, type PasswordHash } from './password-hash.ts'

/** `plugins.basic-auth` in datasette.yaml: Dashdown's auth block, several accounts allowed. */
export interface BasicAuthConfig {
  realm: string
  /** By username (NFC). A password is kept as given or as its parsed hash. */
  users: Map<string, string | PasswordHash>
  grantRead: boolean
}

const KEYS = ['enabled', 'realm', 'users', 'username', 'password', 'grant_read']
const CONTROL = /[\x00-\x1f\x7f]/

/**
 * Reads and checks `plugins.basic-auth`: null when there is no block or it says
 * `enabled: false`. Never starts open: an account without a password, or with an empty
 * one, is an error (Dashdown accepted an empty password for it). Nothing here prints a value.
 */
export function parseBasicAuthConfig(ds: Dataserve): BasicAuthConfig | null {
  const block = pluginBlock(ds, 'basic-auth', KEYS)
  if (!block) return null
  const { values, has, fail, bool } = block
  const enabled = bool('enabled', true)
  let realm = 'dataserve'
  if (has('realm')) {
    // A header value: printable ASCII, so every browser shows it as written.
    if (typeof values.realm !== 'string' || !/^[\x20-\x7e]+$/.test(values.realm)) fail(['realm'], `expected a non-empty line of printable ASCII, got ${describeValue(values.realm)}`)
    realm = values.realm as string
  }

  const users = new Map<string, string | PasswordHash>()
  const addUser = (nameKeys: string[], keys: string[], name: unknown, password: unknown) => {
    if (typeof name !== 'string' || name === '') fail(nameKeys, `expected a non-empty username, got ${describeValue(name)}`)
    const username = (name as string).normalize('NFC')
    // RFC 7617: the user-id cannot hold a colon (the first one ends it), nor control characters.
    if (username.includes(':') || CONTROL.test(username)) fail(nameKeys, 'a username cannot contain a colon or control characters')
    if (password === undefined || password === null) fail(keys, 'has no password: every account needs one')
    if (typeof password !== 'string') fail(keys, `expected a password or a hash from \`dataserve hash-password\`, got ${describeValue(password, { secret: true })}`)
    if (password === '') fail(keys, 'the password is empty: every account needs one')
    if (users.has(username)) fail(nameKeys, 'this username is given twice (once composed, once decomposed?)')
    if (looksLikeHash(password as string)) {
      const parsed = parsePasswordHash(password as string)
      if (typeof parsed === 'string') fail(keys, parsed)
      users.set(username, parsed as PasswordHash)
    } else users.set(username, (password as string).normalize('NFC'))
  }

  if (has('users')) {
    if (has('username') || has('password')) fail(['users'], 'give users, or username and password, not both')
    const given = values.users
    if (typeof given !== 'object' || Array.isArray(given)) fail(['users'], `expected a map of username: password, got ${describeValue(given)}`)
    const entries = Object.entries(given as Record<string, unknown>)
    if (entries.length === 0) fail(['users'], 'expected at least one username: password')
    for (const [name, password] of entries) addUser(['users', name], ['users', name], name, password)
  } else if (has('username') || has('password')) {
    if (!has('username')) fail(['username'], 'is required with password')
    if (!has('password')) fail(['password'], 'is required: an account without a password would let anyone in')
    addUser(['username'], ['password'], values.username, values.password)
  } else if (enabled) {
    fail([], 'needs users (a map of username: password) or username and password')
  }

  return enabled ? { realm, users, grantRead: bool('grant_read', true) } : null
}

/** The challenge a browser answers with a password prompt (RFC 7617), the realm quoted safely. */
export function basicChallenge(realm: string): string {
  return `Basic realm="${realm.replace(/["\\]/g, '\\$&')}", charset="UTF-8"`
}
