import { ConfigError } from './config/errors.ts'
import { DatabaseOpenError } from './databases.ts'
import { StartupError } from './errors.ts'
import type { PluginInfo } from './hooks/manager.ts'
import { PluginValidationError } from './hooks/validate.ts'
import { InternalDatabaseError } from './internal-database.ts'
import { PluginLoadError } from './plugins/load.ts'
import type { ServeOptions } from './server.ts'

/** Why the server cannot start, in one line: what the user can mend is said plainly, anything else with its stack. */
export function startupProblem(error: unknown, options: ServeOptions): string {
  const listenProblem = listenError(error, options)
  if (listenProblem) return listenProblem
  if (error instanceof ConfigError || error instanceof PluginLoadError || error instanceof PluginValidationError || error instanceof DatabaseOpenError || error instanceof InternalDatabaseError || error instanceof StartupError) {
    return error.message
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error)
}

/** A socket that cannot be had, in one line: the port is taken, or not ours to take, or the address not ours. */
function listenError(error: unknown, options: ServeOptions): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code
  const where = `${options.host ?? '127.0.0.1'}:${options.port ?? 8001}`
  if (code === 'EADDRINUSE') return `${where} is already in use (another server is there: pick another --port, or --port 0 for any free one)`
  if (code === 'EACCES') return `${where}: permission denied (ports below 1024 need privileges: pick a --port of 1024 or more)`
  if (code === 'EADDRNOTAVAIL') return `${where}: this machine has no address ${options.host} (check --host)`
  return undefined
}

/** `hello, partner-keys (plugins dir), greeting (npm); built-in: tables, …` */
export function pluginSummary(plugins: readonly PluginInfo[]): string {
  const where = (source: string) => (source.startsWith('file:') ? 'plugins dir' : source.startsWith('npm:') ? `npm ${source.slice(4)}` : source)
  const own = plugins.filter((plugin) => plugin.source !== 'builtin').map((plugin) => `${plugin.name} (${where(plugin.source)})`)
  const builtin = plugins.filter((plugin) => plugin.source === 'builtin').map((plugin) => plugin.name.replace(/^dataserve\./, ''))
  return `${own.length > 0 ? own.join(', ') : 'none of your own'}; built-in: ${builtin.join(', ') || 'none'}`
}
