/**
 * Counts failed credentials per client address in a sliding window, for every auth scheme
 * at once. It stores addresses and timestamps only — never a credential — and forgets
 * addresses whose window passed. The limits are passed on each call, so a config reload
 * changes them without forgetting who has been failing.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds until `client` may try again, or 0 when it is not limited. */
  retryAfter(client: string, maxFailures: number, windowMs: number): number {
    if (maxFailures <= 0) return 0
    const times = this.recent(client, windowMs)
    if (times.length < maxFailures) return 0
    return Math.max(1, Math.ceil((times[times.length - maxFailures]! + windowMs - this.now()) / 1000))
  }

  fail(client: string, windowMs: number): void {
    const times = this.recent(client, windowMs)
    times.push(this.now())
    // Only the newest matter: the limit is never anywhere near this.
    if (times.length > 1000) times.splice(0, times.length - 1000)
    this.failures.set(client, times)
    if (this.failures.size > 10_000) this.sweep(windowMs)
  }

  private recent(client: string, windowMs: number): number[] {
    const cutoff = this.now() - windowMs
    const times = (this.failures.get(client) ?? []).filter((t) => t > cutoff)
    if (times.length === 0) this.failures.delete(client)
    return times
  }

  private sweep(windowMs: number): void {
    for (const client of [...this.failures.keys()]) this.recent(client, windowMs)
  }
}
