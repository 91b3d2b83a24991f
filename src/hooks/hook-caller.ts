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
   * The plain implementations and the wrappers, in two lists, each in three groups kept in
   * this order:
   *
   *   [tryLast] [plain] [tryFirst]
   *
   * The call loop walks a list from the end, so tryFirst runs first, and the wrappers nest
   * outermost. Within a group the newest registration sits at the end and so runs first.
   * Unlike pluggy, this holds for tryLast too: pluggy inserts tryLast impls at the front of
   * their group, so there the oldest tryLast runs first; one rule for every group is easier
   * to predict, and lets a later plugin place itself before an earlier one's tryLast fallback.
   *
   * The arrays are replaced, never mutated, on every change, so a call that is running keeps
   * the lists it started with: a plugin registered during a call takes part only in later calls.
   */
  private plain: readonly HookImpl[] = []
  private wrappers: readonly HookImpl[] = []
  private readonly history: HistoricCall[] = []

  constructor(
    readonly name: string,
    readonly spec: RuntimeSpec,
    private readonly monitors: readonly HookMonitor[],
  ) {}

  /** The implementations in the order they run: wrappers (outermost first), then the plain ones. */
  callOrder(): HookImpl[] {
    return [...this.wrappers].reverse().concat([...this.plain].reverse())
  }

  call(args: object): unknown {
    if (this.spec.historic) throw new Error(`hook '${this.name}' is historic: call it with callHistoric()`)
    return this.execute(this.plain, this.wrappers, args)
  }

  /**
   * Calls a historic hook and remembers the call, so plugins registered later are called
   * with the same arguments; `onResult` receives every non-null result, now and then.
   */
  callHistoric(args: object, onResult?: (result: unknown) => void): unknown {
    if (!this.spec.historic) throw new Error(`hook '${this.name}' is not historic: call it directly`)
    this.history.push({ args, onResult })
    const results = this.execute(this.plain, this.wrappers, args)
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
    let { plain, wrappers } = this
    for (const impl of extra) {
      if (impl.wrapper) wrappers = insert(wrappers, impl)
      else plain = insert(plain, impl)
    }
    return this.execute(plain, wrappers, args)
  }

  /** Calls the hook without the named plugins' implementations (pluggy's `subset_hook_caller`). */
  callExcept(pluginNames: readonly string[], args: object): unknown {
    if (this.spec.historic) throw new Error(`hook '${this.name}' is historic: call it with callHistoric()`)
    const excluded = new Set(pluginNames)
    const keep = (impl: HookImpl) => !excluded.has(impl.pluginName)
    return this.execute(this.plain.filter(keep), this.wrappers.filter(keep), args)
  }

  add(impl: HookImpl): void {
    if (impl.wrapper) this.wrappers = insert(this.wrappers, impl)
    else this.plain = insert(this.plain, impl)
  }

  /**
   * Calls a newly added implementation with every remembered historic call. A synchronous
   * failure throws; asynchronous replays are returned, for the manager to watch.
   */
  replayHistory(impl: HookImpl): Promise<unknown>[] {
    const pending: Promise<unknown>[] = []
    for (const { args, onResult } of this.history) {
      const result = this.execute([impl], [], args) as unknown[] | Promise<unknown[]>
      if (isPromiseLike(result)) {
        pending.push(Promise.resolve(result).then((list) => (onResult && list.length > 0 ? onResult(list[0]) : undefined)))
      } else if (onResult && result.length > 0) {
        onResult(result[0])
      }
    }
    return pending
  }

  removePlugin(pluginName: string): void {
    this.plain = this.plain.filter((impl) => impl.pluginName !== pluginName)
    this.wrappers = this.wrappers.filter((impl) => impl.pluginName !== pluginName)
  }

  hasImpls(): boolean {
    return this.plain.length > 0 || this.wrappers.length > 0
  }

  private execute(plain: readonly HookImpl[], wrappers: readonly HookImpl[], args: object): unknown {
    // Fast path: nobody is watching.
    if (this.monitors.length === 0) return runHookImpls(this.name, plain, wrappers, args, !!this.spec.firstResult)
    return this.executeMonitored(plain, wrappers, args)
  }

  private executeMonitored(plain: readonly HookImpl[], wrappers: readonly HookImpl[], args: object): unknown {
    const monitors = [...this.monitors]
    const info: HookCallInfo = { hookName: this.name, impls: [...wrappers].reverse().concat([...plain].reverse()), args }
    for (const monitor of monitors) monitor.before?.(info)
    const started = performance.now()
    const finish = (outcome: CallOutcome) => {
      const duration = performance.now() - started
      for (const monitor of monitors) monitor.after?.(info, outcome, duration)
    }
    let result: unknown
    try {
      result = runHookImpls(this.name, plain, wrappers, args, !!this.spec.firstResult)
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
function insert(impls: readonly HookImpl[], impl: HookImpl): readonly HookImpl[] {
  let at: number
  if (impl.tryFirst) {
    at = impls.length
  } else if (impl.tryLast) {
    at = 0
    while (at < impls.length && impls[at]!.tryLast) at++
  } else {
    at = impls.length
    while (at > 0 && impls[at - 1]!.tryFirst) at--
  }
  return [...impls.slice(0, at), impl, ...impls.slice(at)]
}
