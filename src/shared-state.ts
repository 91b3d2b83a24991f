import { secretEquals } from './util/sha256.ts'

/**
 * One-time values that every server process sees (`ds.shared`): under `--workers N` they
 * live in the primary process and each call is a message to it; in a single process, here.
 * For what must happen once per server, not once per process — a login link printed once
 * and usable once. Keys are namespaced by the caller (`'actor-cookie.root-login'`).
 */
export interface SharedState {
  /**
   * Sets `key` to `value` unless the key was ever set during this server's life; true when
   * this call set it. A value consumed stays claimed, so a restarted process does not claim
   * the key again.
   */
  claim(key: string, value: string): Promise<boolean>
  /**
   * True exactly once: for the first call whose `value` equals the claimed one (compared in
   * constant time). Any later call, or a wrong value, is false and changes nothing.
   */
  consume(key: string, value: string): Promise<boolean>
}

interface Entry {
  value: string
  consumed: boolean
}

/** The store itself: behind `ds.shared` in one process, and in the primary for `--workers`. */
export class LocalSharedState implements SharedState {
  readonly #entries = new Map<string, Entry>()

  claimNow(key: string, value: string): boolean {
    if (this.#entries.has(key)) return false
    this.#entries.set(key, { value, consumed: false })
    return true
  }

  consumeNow(key: string, value: string): boolean {
    const entry = this.#entries.get(key)
    // Compare before looking at `consumed`, so a used key takes as long to refuse as a live one.
    if (entry === undefined || !secretEquals(value, entry.value) || entry.consumed) return false
    entry.consumed = true
    return true
  }

  claim(key: string, value: string): Promise<boolean> {
    return Promise.resolve(this.claimNow(key, value))
  }

  consume(key: string, value: string): Promise<boolean> {
    return Promise.resolve(this.consumeNow(key, value))
  }
}
