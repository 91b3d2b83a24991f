import type { HookImpl } from './types.ts'

/**
 * The call loop: the one place where hook implementations run.
 *
 * Both lists are stored in call order's reverse, as the HookCaller documents (the ones that
 * run first at the end), so the loop walks them from the end. Wrappers nest around
 * everything after them; the plain implementations run in one loop inside the innermost
 * wrapper.
 *
 * Results: `null`/`undefined` are dropped; a first-result hook stops at the first other
 * value. The loop stays synchronous until an implementation returns a promise, and then
 * resumes itself when the promise settles, so a hook whose implementations are all
 * synchronous creates no promise at all. The first error (thrown or rejected) stops the
 * loop and travels out through the wrappers, which may replace it with a result.
 */
export function runHookImpls(hookName: string, plain: readonly HookImpl[], wrappers: readonly HookImpl[], args: object, firstResult: boolean): unknown {
  // Fast path: no wrappers, so no closures to build.
  if (wrappers.length === 0) return runPlain(plain, plain.length - 1, args, firstResult, [])
  return runWrapper(hookName, plain, wrappers, wrappers.length - 1, args, firstResult)
}

function runWrapper(hookName: string, plain: readonly HookImpl[], wrappers: readonly HookImpl[], index: number, args: object, firstResult: boolean): unknown {
  if (index < 0) return runPlain(plain, plain.length - 1, args, firstResult, [])
  const wrapper = wrappers[index]!
  let called = false
  const outcome = wrapper.fn(args, () => {
    if (called) throw new Error(`wrapper of hook '${hookName}' in plugin '${wrapper.pluginName}' called next() twice`)
    called = true
    return runWrapper(hookName, plain, wrappers, index - 1, args, firstResult)
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

/** Runs `impls[from]` down to `impls[0]`; after a promise, the same loop goes on from the next one. */
function runPlain(impls: readonly HookImpl[], from: number, args: object, firstResult: boolean, results: unknown[]): unknown {
  for (let i = from; i >= 0; i--) {
    const value = impls[i]!.fn(args)
    if (value == null) continue
    if (isPromiseLike(value)) {
      return Promise.resolve(value).then((settled) => {
        if (settled != null) {
          if (firstResult) return settled
          results.push(settled)
        }
        return runPlain(impls, i - 1, args, firstResult, results)
      })
    }
    if (firstResult) return value
    results.push(value)
  }
  return firstResult ? undefined : results
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function'
}
