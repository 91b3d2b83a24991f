import { AsyncLocalStorage } from 'node:async_hooks'
import type { ConfigGeneration } from './config-generation.ts'
import type { Actor } from './types.ts'

/**
 * What lives for exactly one request: the config generation it started under (so a reload
 * in the middle of it changes nothing it sees) and the permission decisions already made,
 * per actor. Plain Maps made on first use: the scope lives only as long as its request, so
 * it needs no WeakMap (whose entries are extra work for every garbage collection), and most
 * requests ask for one actor only.
 */
export class RequestState {
  private anonymous: Map<string, boolean> | undefined
  private byActor: Map<Actor, Map<string, boolean>> | undefined

  constructor(
    /** The Dataserve whose request this is (a process may run several). */
    readonly owner: object,
    readonly generation: ConfigGeneration,
  ) {}

  forActor(actor: Actor | null): Map<string, boolean> {
    if (actor === null) return (this.anonymous ??= new Map())
    this.byActor ??= new Map()
    let map = this.byActor.get(actor)
    if (!map) this.byActor.set(actor, (map = new Map()))
    return map
  }
}

/**
 * The app enters a scope per request; preparing a new config enters one too, so plugins see
 * the candidate as `ds.config`. Code called outside any (startup, tests) finds none: it sees
 * the config in force and caches no decisions.
 */
export const requestScope = new AsyncLocalStorage<RequestState>()
