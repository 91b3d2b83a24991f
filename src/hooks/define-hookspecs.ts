import type { CheckedSpecOptions, HookspecMap, SpecOptionsMap } from './types.ts'

/**
 * Declares the runtime options of a set of hookspecs, with each `args` list checked to name
 * every argument of its hook.
 *
 * @example
 * const specs = defineHookspecs<MySpecs>()({ transform: { args: ['text'] } })
 */
export function defineHookspecs<S extends HookspecMap<S>>() {
  return <const O extends SpecOptionsMap<S>>(specs: O & CheckedSpecOptions<S, O>): SpecOptionsMap<S> => specs
}
