/** How long one turn of the event loop may spend starting requests before it lets the loop go round. */
const TURN_MS = 2
/**
 * And how many it may start: what a request does after its first `await` runs after the
 * turn, unmeasured, so the count bounds the turn too. Measured at 200 connections on the
 * plain table page: 1 per turn costs ~15 % of throughput, 8 doubles the p99 of 4.
 */
const PER_TURN = 4
/**
 * Fewer waiting than this start together (still within TURN_MS): a turn of a dozen requests
 * is short, and holding some of them back a turn would only add to their latency when the
 * loop has other work (CSV streams being written: p99 22 → 35 ms with every turn held to 4).
 */
const FEW = 16

/**
 * Starts requests in the order they arrived, a few per turn of the event loop when many
 * wait. Why: Node 20's libuv (1.45 on) accepts one new connection per turn of the loop, and
 * a saturated server that starts every request it has read in the same turn makes turns of
 * 50 ms and more — new connections then wait seconds to be accepted while those already
 * accepted are served again and again (wrk at 200 connections: p50 55 ms, p99 3.8 s).
 * Short turns accept new connections hundreds of times a second and serve everyone in turn;
 * right after a connection is accepted, one request per turn, as more may be waiting to be
 * (the plain table page at 200 connections: p99 2.6–3.9 s → 0.11–0.19 s, p50 75 → 86 ms,
 * the same throughput or more). A server with time to spare starts a request at once.
 */
export class RequestQueue {
  #waiting: (() => void)[] = []
  #next = 0
  #scheduled = false

  #accepting = false

  /** A connection was accepted (the server's 'connection' event). */
  accepted(): void {
    this.#accepting = true
  }

  /** Requests started at once (nothing waiting) since the loop last went round. */
  #atOnce = 0

  /** Runs `start` in its turn: at once when nothing waits and this turn has started few. */
  push(start: () => void): void {
    if (this.length === 0 && this.#atOnce < PER_TURN && !this.#accepting) {
      // The common case of a server with spare time: no hop, as if there were no queue.
      this.#atOnce++
      this.#schedule()
      this.#start(start)
      return
    }
    this.#waiting.push(start)
    this.#schedule()
  }

  #schedule(): void {
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#turn)
    }
  }

  #start(start: () => void): void {
    try {
      start()
    } catch (error) {
      // One request's failure must not stop the others.
      process.stderr.write(`dataserve: a request could not be started: ${error instanceof Error ? error.message : String(error)}\n`)
    }
  }

  /** Requests read but not started yet. */
  get length(): number {
    return this.#waiting.length - this.#next
  }

  readonly #turn = () => {
    this.#atOnce = 0
    const until = performance.now() + TURN_MS
    const waiting = this.#waiting
    // A connection accepted since the last turn: more may be waiting to be, one per turn.
    const perTurn = this.#accepting ? 1 : PER_TURN
    this.#accepting = false
    const last = waiting.length - this.#next > FEW ? this.#next + perTurn : waiting.length
    while (this.#next < waiting.length && this.#next < last) {
      const start = waiting[this.#next]!
      waiting[this.#next++] = undefined as never
      this.#start(start)
      if (performance.now() >= until) break
    }
    if (this.#next < waiting.length) {
      // Under constant load the queue never empties: drop the started part now and then.
      if (this.#next > 4096) {
        this.#waiting = waiting.slice(this.#next)
        this.#next = 0
      }
      setImmediate(this.#turn)
      return
    }
    this.#waiting = []
    this.#next = 0
    this.#scheduled = false
  }
}
