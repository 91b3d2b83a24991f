import type { ReloadOutcome, ReloadTrigger } from '../config-generation.ts'

/**
 * The messages between the primary and the server processes of `--workers N` (over the
 * cluster IPC channel, as JSON). Every message has `dataserve` set, so messages of other
 * code on the channel (cluster's own) pass by.
 */
export type ToPrimary =
  /** Asks for what the server must start with (`hello` answers). */
  | { dataserve: 'hello' }
  /** Listening: the address, the plugin summary line and the database count. */
  | { dataserve: 'ready'; url: string; plugins: string; databases: number }
  /**
   * A notice written while starting (`window` 'startup') or in a reload round: the primary
   * prints each distinct one once per window.
   */
  | { dataserve: 'notice'; window: 'startup' | number; stream: 'stdout' | 'stderr'; text: string }
  /** Startup failed: one line, printed once by the primary. */
  | { dataserve: 'failed'; message: string }
  | { dataserve: 'credential-failed'; client: string; maxFailures: number; windowMs: number; at: number }
  | { dataserve: 'claim'; id: number; key: string; value: string }
  | { dataserve: 'consume'; id: number; key: string; value: string }
  /** Asks the primary to reload every process (POST /-/reload); `reloaded` answers. */
  | { dataserve: 'reload'; id: number; trigger: ReloadTrigger }
  /** This process's check of the new config: `refusal` null when it checked out. */
  | { dataserve: 'reload-checked'; round: number; refusal: string | null }
  | { dataserve: 'reload-done'; round: number; outcome: ReloadOutcome }

export type ToWorker =
  | {
      dataserve: 'hello'
      /** The signing secret all processes share when none was configured (else null). */
      secret: string | null
      /** The internal database every process opens. */
      internal: string
      /** The port to listen on (`--port 0` is resolved by the primary, so a restarted process finds the same one). */
      port: number
      /** Failed credentials the others counted, by client (ms times). */
      failures: [client: string, times: number[]][]
      failureLimits: { maxFailures: number; windowMs: number } | null
    }
  | { dataserve: 'credential-failed'; client: string; maxFailures: number; windowMs: number; at: number }
  | { dataserve: 'answer'; id: number; result: boolean }
  | { dataserve: 'reloaded'; id: number; outcome: ReloadOutcome }
  /** Round one of a reload: check the config and answer `reload-checked`. */
  | { dataserve: 'reload-check'; round: number; trigger: ReloadTrigger }
  /** Round two: swap it in (`refusal` null) or keep the old one, then answer `reload-done`. */
  | { dataserve: 'reload-decided'; round: number; refusal: string | null }

export function isDataserveMessage<T extends { dataserve: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { dataserve?: unknown }).dataserve === 'string'
}
