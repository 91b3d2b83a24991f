import { AsyncLocalStorage } from 'node:async_hooks'
import type { Actor } from './types.ts'

/**
 * Permission decisions already made during one request, per actor. Plain Maps made on first
 * use: the cache lives only as long as its request, so it needs no WeakMap (whose entries
 * are extra work for every garbage collection), and most requests ask for one actor only.
 */
export class DecisionCache {
  private anonymous: Map<string, boolean> | undefined
  private byActor: Map<Actor, Map<string, boolean>> | undefined

  forActor(actor: Actor | null): Map<string, boolean> {
    if (actor === null) return (this.anonymous ??= new Map())
    this.byActor ??= new Map()
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
