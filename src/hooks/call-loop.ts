import type { HookImpl } from './types.ts'

/**
 * The call loop: the one place where hook implementations run.
 *
 * `impls` is stored in the order the HookCaller documents (plain implementations first,
 * wrappers last, and within each the ones that run first at the end), so the loop walks
 * it from the end. Wrappers nest around everything after them; the plain implementations
 * run in a flat loop inside the innermost wrapper.
 *
 * Results: `null`/`undefined` are dropped; a first-result hook stops at the first other
 * value. The loop stays synchronous until an implementation returns a promise, so a hook
 * whose implementations are all synchronous creates no promise at all. The first error
 * (thrown or rejected) stops the loop and travels out through the wrappers, which may
 * replace it with a result.
 */
export function runHookImpls(
  hookName: string,
  impls: readonly HookImpl[],
  wrapperStart: number,
  args: object,
  firstResult: boolean,
): unknown {
  // Fast path: no wrappers, so no closures to build.
  if (wrapperStart === impls.length) return runPlain(impls, wrapperStart, args, firstResult)
  return runWrapper(hookName, impls, impls.length - 1, wrapperStart, args, firstResult)
}

function runWrapper(
  hookName: string,
  impls: readonly HookImpl[],
  index: number,
  wrapperStart: number,
  args: object,
  firstResult: boolean,
): unknown {
  if (index < wrapperStart) return runPlain(impls, wrapperStart, args, firstResult)
  const wrapper = impls[index]!
  let called = false
  const outcome = wrapper.fn(args, () => {
    if (called) throw new Error(`wrapper of hook '${hookName}' in plugin '${wrapper.pluginName}' called next() twice`)
    called = true
    return runWrapper(hookName, impls, index - 1, wrapperStart, args, firstResult)
  })
  if (!isPromiseLike(outcome)) {
    if (!called) throw wrapperSkippedNext(hookName, wrapper)
    return outcome
  }
  return Promise.resolve(outcome).then((value) => {
    if (!called) throw wrapperSkippedNext(hookName, wrapper)
    return value
  })
}

function wrapperSkippedNext(hookName: string, wrapper: HookImpl): Error {
  return new Error(`wrapper of hook '${hookName}' in plugin '${wrapper.pluginName}' returned without calling next()`)
}

function runPlain(impls: readonly HookImpl[], end: number, args: object, firstResult: boolean): unknown {
  const results: unknown[] = []
  for (let i = end - 1; i >= 0; i--) {
    const value = impls[i]!.fn(args)
    if (value == null) continue
    if (isPromiseLike(value)) return finishAsync(value, impls, i, args, firstResult, results)
    if (firstResult) return value
    results.push(value)
  }
  return firstResult ? undefined : results
}

/** The rest of runPlain once an implementation has returned a promise. */
async function finishAsync(
  pending: PromiseLike<unknown>,
  impls: readonly HookImpl[],
  index: number,
  args: object,
  firstResult: boolean,
  results: unknown[],
): Promise<unknown> {
  let value = await pending
  for (;;) {
    if (value != null) {
      if (firstResult) return value
      results.push(value)
    }
    if (--index < 0) break
    value = await impls[index]!.fn(args)
  }
  return firstResult ? undefined : results
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function'
}
