import { HookCaller, type RuntimeSpec } from './hook-caller.ts'
import { destructuredArgNames } from './arg-names.ts'
import type {
  AnyHook,
  Awaitable,
  CallResult,
  HookImpl,
  HookMonitor,
  HookName,
  HookspecMap,
  ImplFunction,
  PluginObject,
  SpecOptionsMap,
} from './types.ts'
import { PluginValidationError, validatePlugin } from './validate.ts'

/** Where a plugin came from, shown in `/-/plugins.json`. */
export interface PluginInfo {
  name: string
  version: string | null
  source: string
  hooks: string[]
  /** The module URL the plugin was imported from, when it came from a file or package. */
  module?: string
}

/** One callable hook on `pm.hook`: call it with the named arguments. */
export type HookCallable<H extends AnyHook> = (H['mode'] extends 'historic'
  ? { (args: never): never }
  : { (args: H['args']): Awaitable<CallResult<H>> }) & {
  /** Calls a historic hook and remembers the call for plugins registered later. */
  callHistoric(args: H['args'], onResult?: (result: H['result']) => void): Awaitable<H['result'][]>
  /** Calls the hook with extra implementations that take part in this call only. */
  callExtra(extra: ImplFunction<H>[], args: H['args']): Awaitable<CallResult<H>>
  /** Calls the hook without the named plugins' implementations (pluggy's `subset_hook_caller`). */
  callExcept(pluginNames: readonly string[], args: H['args']): Awaitable<CallResult<H>>
  /** The implementations, in the order they run. */
  callOrder(): HookImpl[]
}

export type HookRelay<S extends HookspecMap<S>> = { readonly [K in HookName<S>]: HookCallable<S[K]> }

export interface PluginManagerOptions {
  /** Receives deprecation warnings; defaults to `process.emitWarning`. */
  onWarning?: (message: string) => void
  /**
   * Receives the failure of an asynchronous historic replay during `register()`, after the
   * plugin has been unregistered again; defaults to printing it on stderr.
   */
  onError?: (error: Error) => void
}

/**
 * A pluggy-style plugin manager for one set of hookspecs.
 *
 * @example
 * const pm = new PluginManager<Hookspecs>(hookspecs)
 * pm.register(definePlugin({ name: 'hello', hooks: { startup: () => console.log('hi') } }))
 * await pm.hook.startup({ ds })
 */
export class PluginManager<S extends HookspecMap<S>> {
  readonly hook: HookRelay<S>
  private readonly callers = new Map<string, HookCaller>()
  private readonly specs: ReadonlyMap<string, RuntimeSpec>
  private readonly plugins = new Map<string, { plugin: PluginObject; source: string; version: string | null; module?: string; impls: HookImpl[] }>()
  private readonly blocked = new Set<string>()
  private readonly monitors: HookMonitor[] = []
  private readonly onWarning: (message: string) => void
  private readonly onError: (error: Error) => void

  constructor(specs: SpecOptionsMap<S>, options: PluginManagerOptions = {}) {
    this.onWarning = options.onWarning ?? ((message) => process.emitWarning(message, 'DeprecationWarning'))
    this.onError = options.onError ?? ((error) => process.stderr.write(`${error.message}\n`))
    this.specs = new Map(Object.entries(specs) as [string, RuntimeSpec][])
    for (const [name, spec] of this.specs) checkSpec(name, spec)
    const relay: Record<string, unknown> = {}
    for (const [name, spec] of this.specs) {
      const caller = new HookCaller(name, spec, this.monitors)
      this.callers.set(name, caller)
      relay[name] = this.makeCallable(caller)
    }
    this.hook = Object.freeze(relay) as HookRelay<S>
  }

  /**
   * Validates and registers a plugin. Nothing is registered when the plugin is invalid or its
   * name is taken. Returns the plugin's name, or `null` when that name is blocked.
   */
  register(plugin: PluginObject, meta: { source?: string; version?: string; module?: string } = {}): string | null {
    const { name, replays } = this.add(plugin, meta)
    // An async replay that fails later is no unhandled rejection: the plugin is rolled back and the failure reported.
    if (name !== null && replays.length > 0) void this.settle(name, replays).catch((error: Error) => this.onError(error))
    return name
  }

  /**
   * `register()`, then waits for asynchronous historic replays: resolves with the name once
   * they all succeeded, or rejects (with the plugin unregistered again) when one failed.
   */
  async registerAsync(plugin: PluginObject, meta: { source?: string; version?: string; module?: string } = {}): Promise<string | null> {
    const { name, replays } = this.add(plugin, meta)
    if (name !== null && replays.length > 0) await this.settle(name, replays)
    return name
  }

  private async settle(name: string, replays: Promise<unknown>[]): Promise<void> {
    const outcomes = await Promise.allSettled(replays)
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
    if (!failed) return
    this.unregister(name)
    const reason = failed.reason instanceof Error ? failed.reason.message : String(failed.reason)
    throw new PluginValidationError(name, [`a replayed historic call failed, so the plugin was unregistered: ${reason}`])
  }

  private add(plugin: PluginObject, meta: { source?: string; version?: string; module?: string }): { name: string | null; replays: Promise<unknown>[] } {
    const source = meta.source ?? 'unknown'
    const { name, impls, warnings } = validatePlugin(plugin, this.specs)
    if (this.blocked.has(name)) return { name: null, replays: [] }
    if (this.plugins.has(name)) {
      throw new PluginValidationError(name, [`a plugin named '${name}' is already registered (from ${this.plugins.get(name)!.source})`])
    }
    this.plugins.set(name, { plugin, source, version: plugin.version ?? meta.version ?? null, module: meta.module, impls })
    for (const impl of impls) this.callers.get(impl.hookName)!.add(impl)
    for (const warning of warnings) this.onWarning(warning)
    const replays: Promise<unknown>[] = []
    try {
      for (const impl of impls) {
        const caller = this.callers.get(impl.hookName)!
        if (caller.spec.historic) replays.push(...caller.replayHistory(impl))
      }
    } catch (error) {
      // A replayed historic call failed: leave nothing behind, as for a validation error.
      this.unregister(name)
      for (const replay of replays) replay.catch(() => {})
      throw error
    }
    return { name, replays }
  }

  /** Removes a plugin and its implementations; returns it, or undefined when it was not registered. */
  unregister(name: string): PluginObject | undefined {
    const entry = this.plugins.get(name)
    if (!entry) return undefined
    this.plugins.delete(name)
    for (const hookName of new Set(entry.impls.map((impl) => impl.hookName))) {
      this.callers.get(hookName)!.removePlugin(name)
    }
    return entry.plugin
  }

  /** Unregisters the plugin if present and refuses it from now on (pluggy's `set_blocked`). */
  block(name: string): void {
    this.unregister(name)
    this.blocked.add(name)
  }

  unblock(name: string): boolean {
    return this.blocked.delete(name)
  }

  isBlocked(name: string): boolean {
    return this.blocked.has(name)
  }

  isRegistered(name: string): boolean {
    return this.plugins.has(name)
  }

  getPlugin(name: string): PluginObject | undefined {
    return this.plugins.get(name)?.plugin
  }

  /** Every registered plugin, in registration order. */
  listPlugins(): PluginInfo[] {
    return [...this.plugins.values()].map(({ plugin, source, version, module, impls }) => ({
      name: plugin.name,
      version,
      source,
      hooks: [...new Set(impls.map((impl) => impl.hookName))].sort(),
      ...(module !== undefined && { module }),
    }))
  }

  /** Hook names that exist, in declaration order. */
  hookNames(): string[] {
    return [...this.specs.keys()]
  }

  spec(hookName: string): RuntimeSpec | undefined {
    return this.specs.get(hookName)
  }

  /**
   * Adds a monitor called before and after every hook call (pluggy's
   * `add_hookcall_monitoring`). Returns a function that removes it.
   */
  addMonitor(monitor: HookMonitor): () => void {
    this.monitors.push(monitor)
    return () => {
      const index = this.monitors.indexOf(monitor)
      if (index !== -1) this.monitors.splice(index, 1)
    }
  }

  private makeCallable(caller: HookCaller) {
    const callable = (args: object) => caller.call(args)
    Object.defineProperty(callable, 'name', { value: caller.name })
    return Object.assign(callable, {
      callHistoric: (args: object, onResult?: (result: unknown) => void) => caller.callHistoric(args, onResult),
      callExtra: (extra: Function[], args: object) =>
        caller.callExtra(
          extra.map((fn) => ({
            pluginName: '<extra>',
            hookName: caller.name,
            key: caller.name,
            fn: fn as HookImpl['fn'],
            wrapper: false,
            tryFirst: false,
            tryLast: false,
            argNames: destructuredArgNames(fn),
          })),
          args,
        ),
      callExcept: (pluginNames: readonly string[], args: object) => caller.callExcept(pluginNames, args),
      callOrder: () => caller.callOrder(),
    })
  }
}

const SPEC_OPTIONS = new Set(['args', 'firstResult', 'historic', 'deprecated', 'deprecatedArgs'])

/** Hookspecs are code, but JavaScript callers can still get them wrong: fail at construction. */
function checkSpec(name: string, spec: RuntimeSpec): void {
  const problem = (text: string) => new Error(`hookspec '${name}': ${text}`)
  if (typeof spec !== 'object' || spec === null) throw problem('options must be an object')
  for (const key of Object.keys(spec)) if (!SPEC_OPTIONS.has(key)) throw problem(`unknown option '${key}'`)
  if (!Array.isArray(spec.args) || spec.args.some((arg) => typeof arg !== 'string')) throw problem("'args' must list the argument names")
  if (spec.historic && spec.firstResult) throw problem('a historic hook cannot be firstResult')
}
