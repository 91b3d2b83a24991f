import type { ReloadOutcome, ReloadTrigger } from './config-generation.ts'
import type { SharedState } from './shared-state.ts'

/**
 * What a Dataserve in one of several server processes (`--workers N`) shares with the
 * others, through the primary: one-time values, failed credentials and config reloads.
 * A Dataserve without one is the whole server.
 */
export interface ProcessGroup {
  readonly shared: SharedState
  /** The Dataserve's side, handed over once by its constructor. */
  attach(member: GroupMember): void
  /** A credential failed here: tell the other processes. */
  failed(client: string, maxFailures: number, windowMs: number, at: number): void
  /** Reloads every process together; resolves with this process's outcome. */
  reload(trigger: ReloadTrigger): Promise<ReloadOutcome>
}

/** What the group may ask of a Dataserve (kept off its public surface). */
export interface GroupMember {
  /** Another process counted a failed credential. */
  failed(client: string, maxFailures: number, windowMs: number, at: number): void
  /**
   * One process's part of a reload every process makes together: reads and checks the
   * config, reports through `decide` whether it checks out, and swaps it in only if `decide`
   * says every process's did (else records the reason given).
   */
  reload(trigger: ReloadTrigger, decide: (refusal: string | null) => Promise<string | null>): Promise<ReloadOutcome>
}
