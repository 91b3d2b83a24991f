import { didYouMean } from '../util/nearest.ts'
import { destructuredArgNames } from './arg-names.ts'
import type { RuntimeSpec } from './hook-caller.ts'
import type { HookImpl } from './types.ts'

/** A plugin that cannot be registered: says which plugin, which hook and what to write instead. */
export class PluginValidationError extends Error {
  override name = 'PluginValidationError'
  constructor(
    readonly pluginName: string,
    readonly problems: readonly string[],
  ) {
    super(`plugin '${pluginName}' is invalid:\n  - ${problems.join('\n  - ')}`)
  }
}

const IMPL_OPTIONS = ['impl', 'wrapper', 'tryFirst', 'tryLast', 'specName', 'optional'] as const
const PLUGIN_KEYS = ['name', 'version', 'hooks', 'description'] as const

export interface ValidatedPlugin {
  name: string
  impls: HookImpl[]
  warnings: string[]
}

/**
 * Checks a plugin against the hookspecs and builds its implementations, without touching
 * the manager: a plugin with any problem is rejected whole, with every problem listed.
 */
export function validatePlugin(plugin: unknown, specs: ReadonlyMap<string, RuntimeSpec>): ValidatedPlugin {
  if (typeof plugin !== 'object' || plugin === null) {
    throw new PluginValidationError('?', [`a plugin must be an object like { name, hooks }, got ${describe(plugin)}`])
  }
  const { name, hooks } = plugin as { name?: unknown; hooks?: unknown }
  if (typeof name !== 'string' || name.trim() === '') {
    throw new PluginValidationError('?', [`a plugin needs a non-empty string 'name', got ${describe(name)}`])
  }
  const problems: string[] = []
  const warnings: string[] = []
  const impls: HookImpl[] = []
  for (const key of Object.keys(plugin)) {
    if (!(PLUGIN_KEYS as readonly string[]).includes(key)) {
      problems.push(`unknown plugin property '${key}'${didYouMean(key, PLUGIN_KEYS)}; allowed: ${PLUGIN_KEYS.join(', ')}`)
    }
  }
  const version = (plugin as { version?: unknown }).version
  if (version !== undefined && typeof version !== 'string') problems.push(`'version' must be a string, got ${describe(version)}`)
  if (typeof hooks !== 'object' || hooks === null || Array.isArray(hooks)) {
    problems.push(`'hooks' must be an object mapping hook names to implementations, got ${describe(hooks)}`)
    throw new PluginValidationError(name, problems)
  }
  for (const [key, entry] of Object.entries(hooks)) {
    const impl = validateEntry(name, key, entry, specs, problems, warnings)
    if (impl) impls.push(impl)
  }
  if (problems.length > 0) throw new PluginValidationError(name, problems)
  return { name, impls, warnings }
}

function validateEntry(
  pluginName: string,
  key: string,
  entry: unknown,
  specs: ReadonlyMap<string, RuntimeSpec>,
  problems: string[],
  warnings: string[],
): HookImpl | undefined {
  const options: Record<string, unknown> =
    typeof entry === 'function' ? { impl: entry } : typeof entry === 'object' && entry !== null ? { ...entry } : {}
  if (typeof entry !== 'function' && (typeof entry !== 'object' || entry === null)) {
    problems.push(`hook '${key}': expected a function or { impl | wrapper, …options }, got ${describe(entry)}`)
    return
  }
  const before = problems.length
  for (const option of Object.keys(options)) {
    if (!(IMPL_OPTIONS as readonly string[]).includes(option)) {
      problems.push(`hook '${key}': unknown option '${option}'${didYouMean(option, IMPL_OPTIONS)}`)
    }
  }
  const specName = options.specName
  if (specName !== undefined && typeof specName !== 'string') {
    problems.push(`hook '${key}': specName must be a string, got ${describe(specName)}`)
    return
  }
  const hookName = specName ?? key
  const spec = specs.get(hookName)
  if (!spec) {
    if (options.optional === true) return
    const where = specName === undefined ? `unknown hook '${key}'` : `hook '${key}': specName '${specName}' is not a hook`
    problems.push(`${where}${didYouMean(hookName, specs.keys())}`)
    return
  }
  const hasImpl = options.impl !== undefined
  const hasWrapper = options.wrapper !== undefined
  const fn = hasWrapper ? options.wrapper : options.impl
  if (hasImpl === hasWrapper) {
    problems.push(`hook '${key}': give exactly one of 'impl' or 'wrapper'`)
  } else if (typeof fn !== 'function') {
    problems.push(`hook '${key}': '${hasWrapper ? 'wrapper' : 'impl'}' must be a function, got ${describe(fn)}`)
  }
  if (options.tryFirst && options.tryLast) problems.push(`hook '${key}': tryFirst and tryLast cannot both be set`)
  if (hasWrapper && spec.historic) problems.push(`hook '${key}': '${hookName}' is historic and cannot have a wrapper`)
  const argNames = typeof fn === 'function' ? destructuredArgNames(fn) : null
  for (const arg of argNames ?? []) {
    if (!spec.args.includes(arg)) {
      problems.push(`hook '${key}': '${hookName}' has no argument '${arg}'${didYouMean(arg, spec.args)}; it receives ${spec.args.join(', ')}`)
    } else if (spec.deprecatedArgs?.[arg]) {
      warnings.push(`plugin '${pluginName}', hook '${hookName}': argument '${arg}' is deprecated: ${spec.deprecatedArgs[arg]}`)
    }
  }
  if (problems.length > before) return
  if (spec.deprecated) warnings.push(`plugin '${pluginName}' implements deprecated hook '${hookName}': ${spec.deprecated}`)
  return {
    pluginName,
    hookName,
    key,
    fn: fn as HookImpl['fn'],
    wrapper: hasWrapper,
    tryFirst: options.tryFirst === true,
    tryLast: options.tryLast === true,
    argNames,
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)
  return typeof value
}
