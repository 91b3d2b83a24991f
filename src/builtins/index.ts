import type { Plugin } from '../define-plugin.ts'
import introspection from './introspection/plugin.ts'

/** The built-in plugins, registered first so user plugins run before them. */
export const builtinPlugins: readonly Plugin[] = [introspection]
