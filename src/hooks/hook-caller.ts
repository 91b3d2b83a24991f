import { isPromiseLike, runHookImpls } from './call-loop.ts'
import type { CallOutcome, HookCallInfo, HookImpl, HookMonitor } from './types.ts'

export interface RuntimeSpec {
  args: readonly string[]
  firstResult?: boolean
  historic?: boolean
  deprecated?: string
  deprecatedArgs?: Record<string, string | undefined>
}

interface HistoricCall {
  args: object
  onResult: ((result: unknown) => void) | undefined
}

/** Calls one hook: keeps its implementations in call order, its history and its monitors. */
export class HookCaller {
  /**
   * The implementations, in six groups kept in this order:
   *
   *   [tryLast plain] [plain] [tryFirst plain] [tryLast wrappers] [wrappers] [tryFirst wrappers]
   *                                           ^ wrapperStart
   *
   * The call loop walks the list from the end, so wrappers are outermost and tryFirst runs
   * first. Within a group the newest registration sits at the end and so runs first. Unlike
   * pluggy, this holds for tryLast too: pluggy inserts tryLast impls at the front of their
   * group, so there the oldest tryLast runs first; one rule for every group is easier to
   * predict, and lets a later plugin place itself before an earlier one's tryLast fallback.
   *
   * The array is replaced, never mutated, on every change, so a call that is running keeps
   * the list it started with: a plugin registered during a call takes part only in later calls.
   */
  private impls: readonly HookImpl[] = []
  private wrapperStart = 0
  private readonly history: HistoricCall[] = []

  constructor(
    readonly name: string,
    readonly spec: RuntimeSpec,
    private readonly monitors: readonly HookMonitor[],
  ) {}

  /** The implementations in the order they run. */
  callOrder(): HookImpl[] {
    return [...this.impls].reverse()
  }

  call(args: object): unknown {
    if (this.spec.historic) throw new Error(`hook '${this.name}' is historic: call it with callHistoric()`)
    return this.execute(this.impls, this.wrapperStart, args)
  }

  /**
   * Calls a historic hook and remembers the call, so plugins registered later are called
   * with the same arguments; `onResult` receives every non-null result, now and then.
   */
  callHistoric(args: object, onResult?: (result: unknown) => void): unknown {
    if (!this.spec.historic) throw new Error(`hook '${this.name}' is not historic: call it directly`)
    this.history.push({ args, onResult })
    const results = this.execute(this.impls, this.wrapperStart, args)
    if (!onResult) return results
    if (isPromiseLike(results)) {
      return Promise.resolve(results).then((list) => {
        for (const result of list as unknown[]) onResult(result)
        return list
      })
    }
    for (const result of results as unknown[]) onResult(result)
    return results
  }

  /** Calls the hook with extra implementations that take part in this call only (pluggy's `call_extra`). */
  callExtra(extra: readonly HookImpl[], args: object): unknown {
    let impls = this.impls
    let wrapperStart = this.wrapperStart
    for (const impl of extra) {
      ;({ impls, wrapperStart } = insert(impls, wrapperStart, impl))
    }
    return this.execute(impls, wrapperStart, args)
  }

  /** Calls the hook without the named plugins' implementations (pluggy's `subset_hook_caller`). */
  callExcept(pluginNames: readonly string[], args: object): unknown {
    if (this.spec.historic) throw new Error(`hook '${this.name}' is historic: call it with callHistoric()`)
    const excluded = new Set(pluginNames)
    const impls = this.impls.filter((impl) => !excluded.has(impl.pluginName))
    return this.execute(impls, impls.filter((impl) => !impl.wrapper).length, args)
  }

  add(impl: HookImpl): void {
    ;({ impls: this.impls, wrapperStart: this.wrapperStart } = insert(this.impls, this.wrapperStart, impl))
  }

  /**
   * Calls a newly added implementation with every remembered historic call. A synchronous
   * failure throws; asynchronous replays are returned, for the manager to watch.
   */
  replayHistory(impl: HookImpl): Promise<unknown>[] {
    const pending: Promise<unknown>[] = []
    for (const { args, onResult } of this.history) {
      const result = this.execute([impl], 1, args) as unknown[] | Promise<unknown[]>
      if (isPromiseLike(result)) {
        pending.push(Promise.resolve(result).then((list) => (onResult && list.length > 0 ? onResult(list[0]) : undefined)))
      } else if (onResult && result.length > 0) {
        onResult(result[0])
      }
    }
    return pending
  }

  removePlugin(pluginName: string): void {
    const kept = this.impls.filter((impl) => impl.pluginName !== pluginName)
    this.wrapperStart = kept.filter((impl) => !impl.wrapper).length
    this.impls = kept
  }

  hasImpls(): boolean {
    return this.impls.length > 0
  }

  private execute(impls: readonly HookImpl[], wrapperStart: number, args: object): unknown {
    // Fast path: nobody is watching.
    if (this.monitors.length === 0) return runHookImpls(this.name, impls, wrapperStart, args, !!this.spec.firstResult)
    return this.executeMonitored(impls, wrapperStart, args)
  }

  private executeMonitored(impls: readonly HookImpl[], wrapperStart: number, args: object): unknown {
    const monitors = [...this.monitors]
    const info: HookCallInfo = { hookName: this.name, impls: [...impls].reverse(), args }
    for (const monitor of monitors) monitor.before?.(info)
    const started = performance.now()
    const finish = (outcome: CallOutcome) => {
      const duration = performance.now() - started
      for (const monitor of monitors) monitor.after?.(info, outcome, duration)
    }
    let result: unknown
    try {
      result = runHookImpls(this.name, impls, wrapperStart, args, !!this.spec.firstResult)
    } catch (error) {
      finish({ ok: false, error })
      throw error
    }
    if (!isPromiseLike(result)) {
      finish({ ok: true, result })
      return result
    }
    return Promise.resolve(result).then(
      (value) => {
        finish({ ok: true, result: value })
        return value
      },
      (error: unknown) => {
        finish({ ok: false, error })
        throw error
      },
    )
  }
}

/** Returns a new list with `impl` placed in its group, after (so before, in call order) its peers. */
function insert(impls: readonly HookImpl[], wrapperStart: number, impl: HookImpl) {
  const [start, end] = impl.wrapper ? [wrapperStart, impls.length] : [0, wrapperStart]
  let at: number
  if (impl.tryFirst) {
    at = end
  } else if (impl.tryLast) {
    at = start
    while (at < end && impls[at]!.tryLast) at++
  } else {
    at = end
    while (at > start && impls[at - 1]!.tryFirst) at--
  }
  const next = [...impls.slice(0, at), impl, ...impls.slice(at)]
  return { impls: next, wrapperStart: impl.wrapper ? wrapperStart : wrapperStart + 1 }
}
