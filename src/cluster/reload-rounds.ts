import type { Worker } from 'node:cluster'
import type { ReloadOutcome, ReloadTrigger } from '../config-generation.ts'
import type { ToPrimary, ToWorker } from './messages.ts'

/** How long the primary waits for a process at each step of a reload. */
const STEP_LIMIT_MS = 30_000

type Answer = Extract<ToPrimary, { dataserve: 'reload-checked' | 'reload-done' }>

/**
 * Config reloads under `--workers N`, one at a time, in two steps so that every process
 * swaps together: each reads and checks the config and says whether it checks out; then
 * all swap it in if every one's did, or all keep the config in force, with the first
 * refusal as everyone's reason. A process that exits meanwhile is left out; one that does
 * not answer in time refuses.
 */
export class ReloadRounds {
  #queue: Promise<unknown> = Promise.resolve()
  #round = 0
  /** Answers awaited in the round under way, by process. */
  readonly #awaited = new Map<Worker, (answer: Answer | null) => void>()

  /** The notices printed in recent rounds, so each is printed once per round. */
  readonly #notices = new Map<number, Set<string>>()

  constructor(private readonly members: () => readonly Worker[]) {}

  /** Runs a reload in every serving process; resolves with each one's outcome. */
  run(trigger: ReloadTrigger): Promise<Map<Worker, ReloadOutcome>> {
    const round = this.#queue.then(() => this.#run(trigger))
    this.#queue = round.catch(() => {})
    return round
  }

  /** The notices printed so far in `round` (a process may answer a little after its round ends). */
  notices(round: number): Set<string> {
    let seen = this.#notices.get(round)
    if (!seen) {
      seen = new Set()
      this.#notices.set(round, seen)
      for (const old of this.#notices.keys()) if (old < round - 8) this.#notices.delete(old)
    }
    return seen
  }

  receive(worker: Worker, answer: Answer): void {
    if (answer.round !== this.#round) return
    const resolve = this.#awaited.get(worker)
    this.#awaited.delete(worker)
    resolve?.(answer)
  }

  /** A process exited: it answers nothing more. */
  gone(worker: Worker): void {
    const resolve = this.#awaited.get(worker)
    this.#awaited.delete(worker)
    resolve?.(null)
  }

  async #run(trigger: ReloadTrigger): Promise<Map<Worker, ReloadOutcome>> {
    const round = ++this.#round
    const members = this.members()
    const checks = await this.#step(members, { dataserve: 'reload-check', round, trigger })
    let refusal: string | null = null
    for (const member of members) {
      const check = checks.get(member)
      if (check === undefined) continue
      if (check === null) refusal ??= `a server process did not check the new config within ${STEP_LIMIT_MS / 1000} s`
      else if (check.dataserve === 'reload-checked' && check.refusal !== null) refusal ??= check.refusal
    }
    const done = await this.#step(members, { dataserve: 'reload-decided', round, refusal })
    const outcomes = new Map<Worker, ReloadOutcome>()
    for (const [member, answer] of done) if (answer?.dataserve === 'reload-done') outcomes.set(member, answer.outcome)
    return outcomes
  }

  /**
   * Sends `message` to each member and waits for each one's answer: the answer, null when
   * it did not come in time; no entry for a member that exited.
   */
  async #step(members: readonly Worker[], message: ToWorker): Promise<Map<Worker, Answer | null>> {
    const answers = new Map<Worker, Answer | null>()
    await Promise.all(
      members.map(
        (member) =>
          new Promise<void>((resolve) => {
            if (!member.isConnected()) return resolve()
            const timer = setTimeout(() => {
              this.#awaited.delete(member)
              answers.set(member, null)
              resolve()
            }, STEP_LIMIT_MS)
            this.#awaited.set(member, (answer) => {
              clearTimeout(timer)
              if (answer !== null) answers.set(member, answer)
              resolve()
            })
            member.send(message)
          }),
      ),
    )
    return answers
  }
}
