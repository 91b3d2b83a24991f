/**
 * Counts failed credentials per client address in a sliding window. It stores addresses
 * and timestamps only — never a credential — and forgets addresses whose window passed.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>()

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `client` may try again, or 0 when it is not limited. */
  retryAfter(client: string): number {
    const times = this.recent(client)
    if (times.length < this.maxFailures) return 0
    return Math.max(1, Math.ceil((times[times.length - this.maxFailures]! + this.windowMs - this.now()) / 1000))
  }

  fail(client: string): void {
    const times = this.recent(client)
    times.push(this.now())
    this.failures.set(client, times)
    if (this.failures.size > 10_000) this.sweep()
  }

  private recent(client: string): number[] {
    const cutoff = this.now() - this.windowMs
    const times = (this.failures.get(client) ?? []).filter((t) => t > cutoff)
    if (times.length === 0) this.failures.delete(client)
    return times
  }

  private sweep(): void {
    for (const client of [...this.failures.keys()]) this.recent(client)
  }
}
