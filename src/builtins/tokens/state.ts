import { HttpError, type Dataserve, type DataserveConfig } from '../../plugin-api.ts'
import { parseConfig, type TokensConfig } from './config.ts'
import type { ManagedTokenService } from './managed-service.ts'

/** `plugins.tokens`, parsed once per config generation: a reload brings a new one. */
const configs = new WeakMap<DataserveConfig, TokensConfig>()

/** The tokens plugin's block of the config the request (or the reload being prepared) sees. */
export function tokensConfig(ds: Dataserve): TokensConfig {
  let config = configs.get(ds.config)
  if (!config) configs.set(ds.config, (config = parseConfig(ds)))
  return config
}

/** The managed-token store in the internal database: one per Dataserve, across reloads. */
export const stores = new WeakMap<Dataserve, ManagedTokenService>()

/** The managed-token store, opened at startup. */
export function storeOf(ds: Dataserve): ManagedTokenService {
  const store = stores.get(ds)
  if (!store) throw new HttpError(503, 'Managed tokens are not available yet', { 'Retry-After': '1' })
  return store
}
