import { isIPv6 } from 'node:net'

/** Clients remembered at most; beyond, the one that failed longest ago is forgotten first. */
const MAX_CLIENTS = 10_000

/**
 * Counts failed credentials per client in a sliding window, for every auth scheme at once.
 * It stores addresses and timestamps only — never a credential. The limits are passed on
 * each call, so a config reload changes them without forgetting who has been failing.
 * Memory is bounded: at most MAX_CLIENTS clients, each with at most `maxFailures` times.
 * IPv6 clients count per /64, the block one host gets: otherwise a single machine has 2^64
 * addresses to rotate through.
 */
export class FailureLimiter {
  /** In order of last failure: the first entry is the stalest. */
  private readonly failures = new Map<string, number[]>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds until `client` may try again, or 0 when it is not limited. */
  retryAfter(client: string, maxFailures: number, windowMs: number): number {
    if (maxFailures <= 0) return 0
    const times = this.recent(keyOf(client), windowMs)
    if (times.length < maxFailures) return 0
    return Math.max(1, Math.ceil((times[times.length - maxFailures]! + windowMs - this.now()) / 1000))
  }

  /**
   * Counts a failure by `client` at `at` (now by default; another process's failure, passed
   * on, keeps the time it happened).
   */
  fail(client: string, maxFailures: number, windowMs: number, at = this.now()): void {
    if (maxFailures <= 0) return
    const key = keyOf(client)
    const times = this.recent(key, windowMs)
    if (at <= this.now() - windowMs) return
    times.push(at)
    // One passed on from another process may be older than one counted here since.
    if (times.length > 1 && times[times.length - 2]! > at) times.sort((a, b) => a - b)
    // Only the newest maxFailures decide when the client may try again.
    if (times.length > maxFailures) times.splice(0, times.length - maxFailures)
    this.failures.delete(key)
    this.failures.set(key, times)
    if (this.failures.size > MAX_CLIENTS) this.failures.delete(this.failures.keys().next().value!)
  }

  /** Every client's failures (keys as counted, times in ms), stalest first: for a process that starts late. */
  entries(): [client: string, times: readonly number[]][] {
    return [...this.failures].map(([key, times]) => [key, [...times]])
  }

  /** How many clients are remembered (for tests and the status page). */
  get size(): number {
    return this.failures.size
  }

  private recent(key: string, windowMs: number): number[] {
    const times = this.failures.get(key)
    if (!times) return []
    const cutoff = this.now() - windowMs
    let expired = 0
    while (expired < times.length && times[expired]! <= cutoff) expired++
    if (expired === times.length) {
      this.failures.delete(key)
      return []
    }
    return expired === 0 ? times : times.slice(expired)
  }
}

/** `2001:db8:1:2:…` → `2001:db8:1:2::/64`; IPv4 addresses as they are. */
function keyOf(client: string): string {
  if (!isIPv6(client)) return client
  const [head = '', tail = ''] = client.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === '' ? [] : tail.split(':')
  const groups = client.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map((group) => group.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`
}
