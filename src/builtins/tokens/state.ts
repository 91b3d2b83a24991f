import { HttpError, type Dataserve } from '../../plugin-api.ts'
import { parseConfig, type TokensConfig } from './config.ts'
import type { ManagedTokenService } from './managed-service.ts'
import { FailureLimiter } from './rate-limit.ts'

/** What the tokens plugin keeps per Dataserve: its config, the limiter and the managed-token store. */
export interface State {
  config: TokensConfig
  limiter: FailureLimiter | null
  store: ManagedTokenService | null
}

export const states = new WeakMap<Dataserve, State>()

export function stateOf(ds: Dataserve): State {
  let state = states.get(ds)
  if (!state) {
    const config = parseConfig(ds)
    const limiter = config.rateLimit ? new FailureLimiter(config.rateLimit.maxFailures, config.rateLimit.windowSeconds * 1000) : null
    states.set(ds, (state = { config, limiter, store: null }))
  }
  return state
}

/** The managed-token store in the internal database, opened at startup. */
export function storeOf(ds: Dataserve): ManagedTokenService {
  const { store } = stateOf(ds)
  if (!store) throw new HttpError(503, 'Managed tokens are not available yet', { 'Retry-After': '1' })
  return store
}

