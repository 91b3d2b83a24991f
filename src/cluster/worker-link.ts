import type { ReloadOutcome, ReloadTrigger } from '../config-generation.ts'
import type { GroupMember, ProcessGroup } from '../process-group.ts'
import type { SharedState } from '../shared-state.ts'
import { forwardNotices } from './quiet.ts'
import { isDataserveMessage, type ToPrimary, type ToWorker } from './messages.ts'

type Hello = Extract<ToWorker, { dataserve: 'hello' }>

/**
 * A server process's end of the channel to the primary (`--workers N`): the ProcessGroup
 * its Dataserve uses. Questions (claim, consume, reload) carry an id the answer repeats.
 */
export class WorkerLink implements ProcessGroup {
  readonly shared: SharedState
  #member: GroupMember | undefined
  #nextId = 1
  readonly #waiting = new Map<number, (message: ToWorker) => void>()
  /** The round under way: its decision, once it comes. */
  readonly #rounds = new Map<number, (refusal: string | null) => void>()

  private constructor(readonly hello: Hello) {
    this.shared = {
      claim: (key, value) => this.#ask<boolean>({ dataserve: 'claim', id: 0, key, value }),
      consume: (key, value) => this.#ask<boolean>({ dataserve: 'consume', id: 0, key, value }),
    }
    process.on('message', (message) => {
      if (isDataserveMessage<ToWorker>(message)) this.#receive(message)
    })
  }

  /** Says hello to the primary and waits for what this process starts with. */
  static async join(): Promise<WorkerLink> {
    const hello = await new Promise<Hello>((resolve) => {
      const listen = (message: unknown) => {
        if (!isDataserveMessage<ToWorker>(message) || message.dataserve !== 'hello') return
        process.off('message', listen)
        resolve(message)
      }
      process.on('message', listen)
      send({ dataserve: 'hello' })
    })
    return new WorkerLink(hello)
  }

  attach(member: GroupMember): void {
    this.#member = member
    const limits = this.hello.failureLimits
    if (!limits) return
    for (const [client, times] of this.hello.failures) {
      for (const at of times) member.failed(client, limits.maxFailures, limits.windowMs, at)
    }
  }

  failed(client: string, maxFailures: number, windowMs: number, at: number): void {
    send({ dataserve: 'credential-failed', client, maxFailures, windowMs, at })
  }

  reload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    return this.#ask<ReloadOutcome>({ dataserve: 'reload', id: 0, trigger })
  }

  /** Tells the primary this process listens (the primary prints the startup line once all do). */
  ready(details: Omit<Extract<ToPrimary, { dataserve: 'ready' }>, 'dataserve'>): void {
    send({ dataserve: 'ready', ...details })
  }

  /** Sends this process's notices to the primary until the returned function is called. */
  forwardNotices(window: 'startup' | number): () => void {
    return forwardNotices((stream, text) => send({ dataserve: 'notice', window, stream, text }))
  }

  /** Tells the primary why this process cannot start (it prints the line once), once the message is out. */
  failedToStart(message: string): Promise<void> {
    return new Promise((resolve) => {
      if (!process.connected) return resolve()
      process.send!({ dataserve: 'failed', message } satisfies ToPrimary, undefined, {}, () => resolve())
    })
  }

  #ask<T>(message: Extract<ToPrimary, { id: number }>): Promise<T> {
    const id = this.#nextId++
    return new Promise<T>((resolve) => {
      this.#waiting.set(id, (answer) => resolve((answer.dataserve === 'answer' ? answer.result : (answer as { outcome: ReloadOutcome }).outcome) as T))
      send({ ...message, id })
    })
  }

  #receive(message: ToWorker): void {
    switch (message.dataserve) {
      case 'answer':
      case 'reloaded': {
        const resolve = this.#waiting.get(message.id)
        this.#waiting.delete(message.id)
        resolve?.(message)
        return
      }
      case 'credential-failed':
        this.#member?.failed(message.client, message.maxFailures, message.windowMs, message.at)
        return
      case 'reload-check':
        void this.#reloadRound(message.round, message.trigger)
        return
      case 'reload-decided': {
        const decided = this.#rounds.get(message.round)
        this.#rounds.delete(message.round)
        decided?.(message.refusal)
        return
      }
      case 'hello':
        return
    }
  }

  async #reloadRound(round: number, trigger: ReloadTrigger): Promise<void> {
    const member = this.#member
    if (!member) {
      send({ dataserve: 'reload-checked', round, refusal: 'a server process is still starting' })
      return
    }
    // Every process would print the same reload notices: the primary prints each once.
    const speak = this.forwardNotices(round)
    const outcome = await member
      .reload(trigger, (refusal) => {
        const decision = new Promise<string | null>((resolve) => this.#rounds.set(round, resolve))
        send({ dataserve: 'reload-checked', round, refusal })
        return decision
      })
      .finally(speak)
    send({ dataserve: 'reload-done', round, outcome })
  }
}

function send(message: ToPrimary): void {
  // The channel is gone when the primary has died: this process is about to exit anyway.
  if (process.connected) process.send!(message)
}
