import { AsyncLocalStorage } from 'node:async_hooks'
import type { Actor } from './types.ts'

/** Permission decisions already made during one request, per actor. */
export class DecisionCache {
  private readonly anonymous = new Map<string, boolean>()
  private readonly byActor = new WeakMap<Actor, Map<string, boolean>>()

  forActor(actor: Actor | null): Map<string, boolean> {
    if (actor === null) return this.anonymous
    let map = this.byActor.get(actor)
    if (!map) this.byActor.set(actor, (map = new Map()))
    return map
  }
}

/**
 * What lives for exactly one request. The app enters a scope per request; code called
 * outside any request (startup, tests) simply finds none and caches nothing.
 */
export const requestScope = new AsyncLocalStorage<DecisionCache>()
