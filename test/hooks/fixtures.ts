// Hookspecs used by the plugin-manager tests, like pluggy's test suite defines its own.
import { pluginDefiner } from '../../src/define-plugin.ts'
import { PluginManager, type PluginManagerOptions } from '../../src/hooks/manager.ts'
import type { FirstResultHook, HistoricHook, Hook, SpecOptionsMap } from '../../src/hooks/types.ts'

export interface TestSpecs {
  collect: Hook<{ arg: number }, unknown>
  first: FirstResultHook<{ arg: number }, unknown>
  replayed: HistoricHook<{ arg: number }, unknown>
  legacy: Hook<{ arg: number; old: number }, unknown>
  noArgs: Hook<{}, unknown>
}

export const testSpecs: SpecOptionsMap<TestSpecs> = {
  collect: { args: ['arg'] },
  first: { args: ['arg'], firstResult: true },
  replayed: { args: ['arg'], historic: true },
  legacy: { args: ['arg', 'old'], deprecated: 'use collect instead', deprecatedArgs: { old: 'old is going away' } },
  noArgs: { args: [] },
}

export const define = pluginDefiner<TestSpecs>()

export function makeManager(options?: PluginManagerOptions) {
  return new PluginManager<TestSpecs>(testSpecs, options ?? { onWarning: () => {} })
}

/** Registers a plugin whose `collect` impl records `label` in `log` and returns it. */
export function recorder(pm: PluginManager<TestSpecs>, label: string, log: string[], options: { tryFirst?: boolean; tryLast?: boolean } = {}) {
  pm.register(
    define({
      name: label,
      hooks: {
        collect: {
          ...options,
          impl: () => {
            log.push(label)
            return label
          },
        },
      },
    }),
  )
}

/** An implementation that throws `error` (any value, as JavaScript allows). */
export function throws(error: unknown) {
  return (): never => {
    throw error
  }
}
