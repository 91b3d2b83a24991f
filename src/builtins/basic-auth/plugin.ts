import { HttpError, VERSION, definePlugin, isPromiseLike, type Actor, type Dataserve, type DataserveConfig } from '../../plugin-api.ts'
import { Accounts } from './accounts.ts'
import { hashPasswordCommand } from './command.ts'
import { basicChallenge, parseBasicAuthConfig, type BasicAuthConfig } from './config.ts'
import { parseBasicAuthorization } from './parse-header.ts'

/** What a signed-in user may do with `grant_read` (Dashdown's: read everything). */
const READ_ACTIONS = new Set(['view-instance', 'view-database', 'view-table', 'view-query'])
/** One message for every refusal: a wrong password, an unknown user and a garbled header look alike. */
const REFUSED = 'Invalid username or password'

interface BasicState {
  config: BasicAuthConfig
  accounts: Accounts
  challenge: string
}

/** Per config generation, once prepared: null when there is no block or it is disabled. */
const prepared = new WeakMap<DataserveConfig, BasicState | null>()
const notice = (message: string) => process.stderr.write(message + '\n')

function stateOf(ds: Dataserve): BasicState | null {
  const state = prepared.get(ds.config)
  // prepareConfig runs before a config serves a request; anything else is a bug, and fails closed.
  if (state === undefined) throw new Error('basic-auth: the config in force was never prepared')
  return state
}

function refused(state: BasicState): HttpError {
  return new HttpError(401, REFUSED, { 'WWW-Authenticate': state.challenge })
}

/**
 * HTTP Basic authentication (RFC 7617) with Dashdown's `auth` block: a browser asks for a
 * username and password, and every request after carries them. Accounts come from
 * `plugins.basic-auth.users` (passwords or `dataserve hash-password` hashes); each becomes
 * the actor `{id: <username>, auth: "basic"}`, who may read everything with `grant_read`.
 */
export default definePlugin({
  name: 'dataserve.basic-auth',
  version: VERSION,
  hooks: {
    prepareConfig: async ({ ds }) => {
      const config = parseBasicAuthConfig(ds)
      prepared.set(ds.config, config && { config, accounts: await Accounts.prepare(config.users), challenge: basicChallenge(config.realm) })
    },
    actorFromRequest: ({ ds, request }) => {
      const header = request.headers.get('authorization')
      if (header === null) return null
      const state = stateOf(ds)
      if (!state) return null
      const given = parseBasicAuthorization(header)
      if (given.kind === 'other') return null
      if (given.kind === 'malformed') throw refused(state)
      const actor: Actor = { id: given.username, auth: 'basic' }
      const ok = state.accounts.verify(given.username, given.password)
      if (!isPromiseLike(ok)) {
        if (!ok) throw refused(state)
        return actor
      }
      return ok.then((equal) => {
        if (!equal) throw refused(state)
        return actor
      })
    },
    permissionAllowed: ({ ds, actor, action }) => {
      const state = stateOf(ds)
      if (!state?.config.grantRead || actor?.auth !== 'basic') return undefined
      return READ_ACTIONS.has(action) ? true : undefined
    },
    // An anonymous refusal becomes a 401 with this challenge: the browser asks for a password.
    forbidden: ({ ds, actor }) => {
      const state = stateOf(ds)
      return state && actor === null ? { challenge: state.challenge } : null
    },
    listening: ({ ds }) => {
      const state = stateOf(ds)
      if (!state) return
      process.stdout.write(`dataserve: basic-auth: ${state.accounts.size} account(s), realm "${state.config.realm}"\n`)
      if (!ds.settings.public_url.startsWith('https:')) {
        process.stdout.write('dataserve: basic-auth: Basic sends the password with every request: serve over HTTPS in production (see docs/basic-and-api-key.md)\n')
      }
    },
    configReloaded: ({ ds, previous }) => {
      const before = prepared.get(previous)
      const now = stateOf(ds)
      if (before && !now) notice('dataserve: WARNING: plugins.basic-auth is gone or disabled after the reload: usernames and passwords are no longer accepted')
      else if (before && now) {
        const gone = [...before.config.users.keys()].filter((name) => !now.config.users.has(name))
        if (gone.length > 0) notice(`dataserve: basic-auth: ${gone.length} account(s) removed; they are refused from now on`)
      }
    },
    registerCommands: () => [hashPasswordCommand],
  },
})
