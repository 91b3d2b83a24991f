import { timingSafeEqual } from 'node:crypto'
import { HttpError, VERSION, definePlugin, sha256, type Actor, type Dataserve, type DataserveConfig } from '../../plugin-api.ts'
import { KEY_TEXT, apiKeyChallenge, parseApiKeyConfig, type ApiKeyConfig } from './config.ts'

const READ_ACTIONS = new Set(['view-instance', 'view-database', 'view-table', 'view-query'])
const notice = (message: string) => process.stderr.write(message + '\n')

interface ApiKeyState {
  config: ApiKeyConfig
  challenge: string
}

/** Per config generation: null when there is no block or it is disabled. */
const states = new WeakMap<DataserveConfig, ApiKeyState | null>()

function stateOf(ds: Dataserve): ApiKeyState | null {
  if (!states.has(ds.config)) {
    const config = parseApiKeyConfig(ds, notice)
    states.set(ds.config, config && { config, challenge: apiKeyChallenge(config.headerName) })
  }
  return states.get(ds.config)!
}

/**
 * The position (from 0) of the key whose digest matches, or -1. Every configured key is
 * compared, whole, whatever matched before: the time says nothing about which key, or how
 * many, or how close.
 */
function matchKey(config: ApiKeyConfig, given: string): number {
  const digest = sha256(given)
  let found = -1
  for (let i = 0; i < config.digests.length; i++) {
    if (timingSafeEqual(digest, config.digests[i]!)) found = i
  }
  return found
}

/**
 * Shared API keys in a header (Dashdown's `X-API-Key`), for a proxy, a cron job or a BI
 * tool: each configured key is an actor, who may read everything with `grant_read`.
 */
export default definePlugin({
  name: 'dataserve.api-key',
  version: VERSION,
  hooks: {
    // Rate-limited after failures, and refused beside another credential, by the core.
    registerCredentialHeaders: ({ ds }) => {
      const state = stateOf(ds)
      return state ? [state.config.header] : []
    },
    prepareConfig: ({ ds }) => void stateOf(ds),
    actorFromRequest: ({ ds, request }) => {
      const state = stateOf(ds)
      if (!state) return null
      const given = request.headers.get(state.config.header)
      if (given === null) return null
      // Empty, two header lines (joined with ", "), or bytes no key has: refused, the same way.
      if (!KEY_TEXT.test(given)) throw new HttpError(401, 'Invalid API key', { 'WWW-Authenticate': state.challenge })
      const position = matchKey(state.config, given)
      if (position === -1) throw new HttpError(401, 'Invalid API key', { 'WWW-Authenticate': state.challenge })
      const actor: Actor = { ...state.config.actors[position]! }
      return actor
    },
    permissionAllowed: ({ ds, actor, action }) => {
      const state = stateOf(ds)
      if (!state?.config.grantRead || actor?.auth !== 'api-key') return undefined
      return READ_ACTIONS.has(action) ? true : undefined
    },
    forbidden: ({ ds, actor }) => {
      const state = stateOf(ds)
      return state && actor === null ? { challenge: state.challenge } : null
    },
    listening: ({ ds }) => {
      const state = stateOf(ds)
      if (state) process.stdout.write(`dataserve: api-key: ${state.config.digests.length} key(s) in the ${state.config.headerName} header\n`)
    },
    configReloaded: ({ ds, previous }) => {
      const before = states.get(previous)
      const now = stateOf(ds)
      if (before && !now) notice('dataserve: WARNING: plugins.api-key is gone or disabled after the reload: API keys are no longer accepted')
      else if (before && now && before.config.header !== now.config.header) notice(`dataserve: api-key: keys are now read from ${now.config.headerName}`)
    },
  },
})
