import type { DataserveConfig } from './config/load.ts'
import type { TokenHandler } from './types.ts'

/**
 * One loaded config and what plugins registered for it. The server swaps whole generations:
 * a request sees one from start to end, never a mix of an old config and a new one.
 */
export interface ConfigGeneration {
  /** 1 at startup, then one more per successful reload. */
  readonly number: number
  readonly config: DataserveConfig
  /** When it was loaded (ms since the epoch). */
  readonly loadedAt: number
  tokenHandlers: readonly TokenHandler[]
  /** Query-string parameters that carry credentials, from `registerCredentialParams`. */
  credentialParams: ReadonlySet<string>
  /** Request headers that carry credentials (lower case), from `registerCredentialHeaders`. */
  credentialHeaders: ReadonlySet<string>
}

export type ReloadTrigger = 'file' | 'signal' | 'api' | 'call'

/** The outcome of the last reload, for `/-/config-status.json` and `POST /-/reload`. */
export interface ReloadOutcome {
  ok: boolean
  trigger: ReloadTrigger
  /** When it finished (ms since the epoch). */
  at: number
  /** The generation in force afterwards. */
  generation: number
  /** Why the new config was refused (file and key; never a value). */
  error?: string
}
