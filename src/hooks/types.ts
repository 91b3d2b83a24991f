/**
 * The type machinery of the plugin manager, kept apart so the runtime files stay readable.
 *
 * A set of hookspecs is one interface whose entries are `Hook`, `FirstResultHook` or
 * `HistoricHook` types. Everything else (what an implementation may return, what a call
 * returns, which options a spec must declare at runtime) is derived from that interface.
 */

export type Awaitable<T> = T | Promise<T>

/** A hook whose call collects every non-null result into a list. */
export interface Hook<Args extends object, Result> {
  readonly args: Args
  readonly result: Result
  readonly mode: 'all'
}

/** A hook whose call stops at the first non-null result (pluggy's `firstresult`). */
export interface FirstResultHook<Args extends object, Result> {
  readonly args: Args
  readonly result: Result
  readonly mode: 'first'
}

/** A hook whose calls are remembered and replayed to plugins registered later. */
export interface HistoricHook<Args extends object, Result> {
  readonly args: Args
  readonly result: Result
  readonly mode: 'historic'
}

export type AnyHook = Hook<object, unknown> | FirstResultHook<object, unknown> | HistoricHook<object, unknown>

/** A map of hook name to hook type; `Hookspecs` in hookspecs.ts is the application's one. */
export type HookspecMap<S> = { [K in keyof S]: AnyHook }

export type HookName<S> = Extract<keyof S, string>

/** What one call of hook H returns once awaited. */
export type CallResult<H extends AnyHook> = H['mode'] extends 'first' ? H['result'] | undefined : H['result'][]

/** A plain implementation: takes the named arguments (or any subset of them). */
export type ImplFunction<H extends AnyHook> = (args: H['args']) => Awaitable<H['result'] | null | undefined | void>

/**
 * A wrapper runs around the rest of the chain. `next()` runs it and returns its result
 * (a promise when any inner implementation is asynchronous) or throws its error. What the
 * wrapper returns (or throws) becomes the result of the call.
 */
export type WrapperFunction<H extends AnyHook> = (
  args: H['args'],
  next: () => Awaitable<CallResult<H>>,
) => Awaitable<CallResult<H>>

interface OrderOptions {
  /** Run before the plain implementations (pluggy's `tryfirst`). */
  tryFirst?: boolean
  /** Run after the plain implementations (pluggy's `trylast`). */
  tryLast?: boolean
}

export interface ImplObject<H extends AnyHook> extends OrderOptions {
  impl: ImplFunction<H>
  wrapper?: never
  /** Implement the hook even when this version of dataserve does not have it (pluggy's `optionalhook`). */
  optional?: boolean
}

export interface WrapperObject<H extends AnyHook> extends OrderOptions {
  wrapper: H['mode'] extends 'historic' ? never : WrapperFunction<H>
  impl?: never
  optional?: boolean
}

/** One entry of a plugin's `hooks` map: a function, or an object carrying options. */
export type ImplEntry<H extends AnyHook> = ImplFunction<H> | ImplObject<H> | WrapperObject<H>

/** An entry under a key that is not a hook name: `specName` says which hook it implements. */
export type SpecNamedEntry<S extends HookspecMap<S>> = {
  [K in HookName<S>]: (ImplObject<S[K]> | WrapperObject<S[K]>) & { specName: K }
}[HookName<S>]

/**
 * The `hooks` map of a plugin, checked key by key: a hook's own name takes that hook's
 * implementation; any other key must carry `specName`. A misspelt hook name is therefore a
 * compile error (the entry lacks `specName`).
 */
export type HooksOf<S extends HookspecMap<S>, M> = {
  [K in keyof M]: (K extends HookName<S> ? ImplEntry<S[K]> : OtherKeyEntry<S, K, M[K]>) & NoUnknownOptions<M[K]>
}

/**
 * A key that is not a hook name: with `specName`, the entry of the hook it names; without,
 * a string type whose text is the error a plugin author reads ("'actorFromRequst' is not a
 * dataserve hook…") instead of a union of every possible entry.
 */
type OtherKeyEntry<S extends HookspecMap<S>, K, E> = 'specName' extends keyof E
  ? SpecNamedEntry<S>
  : unknown extends E
    ? SpecNamedEntry<S> // while TypeScript is still inferring the entry: the type it is checked against
    : `'${K & string}' is not a dataserve hook: check the spelling, or give specName to implement a hook under another key`

type ImplOptionKey = 'impl' | 'wrapper' | 'tryFirst' | 'tryLast' | 'specName' | 'optional'

/** Inferred object types escape excess-property checks, so unknown option keys are made `never` here. */
type NoUnknownOptions<E> = E extends Function ? unknown : { [P in Exclude<keyof E, ImplOptionKey>]: never }

/** The loose shape a plugin has at runtime; the manager validates it before registering. */
export interface PluginObject {
  name: string
  version?: string
  hooks: Record<string, unknown>
}

/** The options each hookspec declares at runtime, tied to its type. */
export type SpecOptions<H extends AnyHook> = {
  /** Names of the arguments, used to check implementations written in plain JavaScript. */
  args: readonly Extract<keyof H['args'], string>[]
  /** A deprecation message, printed when a plugin implements this hook. */
  deprecated?: string
  /** Arguments that are going away: name → message, printed when an implementation takes one. */
  deprecatedArgs?: Partial<Record<Extract<keyof H['args'], string>, string>>
} & (H['mode'] extends 'first'
  ? { firstResult: true; historic?: false }
  : H['mode'] extends 'historic'
    ? { historic: true; firstResult?: false }
    : { firstResult?: false; historic?: false })

export type SpecOptionsMap<S extends HookspecMap<S>> = { [K in HookName<S>]: SpecOptions<S[K]> }

/** A hook implementation as the manager stores it. */
export interface HookImpl {
  readonly pluginName: string
  readonly hookName: string
  /** The key the plugin used: the hook name, or another name with `specName`. */
  readonly key: string
  readonly fn: (args: any, next?: () => unknown) => unknown
  readonly wrapper: boolean
  readonly tryFirst: boolean
  readonly tryLast: boolean
  /** The argument names the implementation destructures, when they could be read. */
  readonly argNames: readonly string[] | null
}

/** Seen by monitors before and after every hook call. */
export interface HookCallInfo {
  readonly hookName: string
  readonly impls: readonly HookImpl[]
  readonly args: object
}

export type CallOutcome = { ok: true; result: unknown } | { ok: false; error: unknown }

export interface HookMonitor {
  before?(call: HookCallInfo): void
  after?(call: HookCallInfo, outcome: CallOutcome, durationMs: number): void
}

/** The argument names of H that `args` leaves out. */
type MissingArgs<H extends AnyHook, A> = Exclude<Extract<keyof H['args'], string>, A extends readonly (infer E)[] ? E : never>

/**
 * Spec options as written, checked against the hook: `args` must name every argument, or
 * the compile error says which is missing (a forgotten name would let JavaScript plugins
 * destructure it unchecked).
 */
export type CheckedSpecOptions<S extends HookspecMap<S>, O> = {
  [K in HookName<S>]: K extends keyof O
    ? [MissingArgs<S[K], O[K] extends { args: infer A } ? A : never>] extends [never]
      ? SpecOptions<S[K]>
      : SpecOptions<S[K]> & { args: `missing argument: ${MissingArgs<S[K], O[K] extends { args: infer A } ? A : never>}` }
    : SpecOptions<S[K]>
}
