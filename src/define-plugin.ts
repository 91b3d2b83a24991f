import type { Hookspecs } from './hookspecs.ts'
import type { HookspecMap, HooksOf, PluginObject } from './hooks/types.ts'

/** A plugin for hookspecs S: a name, an optional version and its hook implementations. */
export interface PluginDefinition<S extends HookspecMap<S>, M> {
  name: string
  version?: string
  description?: string
  hooks: M & HooksOf<S, M>
}

/** A plugin as `definePlugin` returns it, ready for `PluginManager.register()`. */
export type Plugin = PluginObject

/**
 * `definePlugin` for another set of hookspecs, e.g. in tests of the plugin manager.
 *
 * @example
 * const define = pluginDefiner<MySpecs>()
 * pm.register(define({ name: 'a', hooks: { myHook: ({ x }) => x + 1 } }))
 */
export function pluginDefiner<S extends HookspecMap<S>>() {
  return function definePlugin<const M extends HooksOf<S, M>>(plugin: PluginDefinition<S, M>): Plugin {
    return plugin as PluginObject
  }
}

/**
 * Declares a dataserve plugin. Typing only: a misspelt hook name, a wrong argument or a
 * wrong result type is a compile error. The same mistakes in plain JavaScript are caught
 * when the plugin is registered.
 *
 * @example
 * import { definePlugin } from 'dataserve'
 * export default definePlugin({
 *   name: 'hello',
 *   hooks: {
 *     registerRoutes: () => [{ method: 'GET', path: '/-/hello', handler: (c) => c.json({ hello: 'world' }) }],
 *     actorFromRequest: {
 *       tryFirst: true,
 *       impl: ({ request }) => (request.headers.get('x-demo-user') ? { id: 'demo' } : null),
 *     },
 *   },
 * })
 */
export const definePlugin = pluginDefiner<Hookspecs>()
