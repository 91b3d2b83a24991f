import cluster from 'node:cluster'
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { runPrimary } from './cluster/primary.ts'
import { serveInGroup } from './cluster/worker.ts'
import type { DatabaseFile } from './databases.ts'
import { UsageError } from './errors.ts'
import { createDataserve, loadPlugins, startServer, type ServeOptions } from './server.ts'
import { pluginSummary, startupProblem } from './startup-report.ts'
import type { Command, CommandContext } from './types.ts'
import { VERSION } from './version.ts'

const USAGE = `Usage: dataserve [serve] [FILES...] [options]
       dataserve plugins [--plugins-dir DIR]
       dataserve COMMAND …   (commands from plugins, below)

Serve SQLite databases as a JSON and CSV API.

Options:
  -p, --port N             port to listen on (default 8001; 0 picks a free one)
  -h, --host HOST          address to bind (default 127.0.0.1)
  -c, --config FILE        datasette.yaml / datasette.json configuration
  -s, --setting KEY VALUE  override a config value by dotted key, e.g. -s settings.default_page_size 50
  -i, --immutable FILE     serve FILE as an immutable database
      --plugins-dir DIR    load every .js/.mjs/.ts/.mts file in DIR as a plugin
      --secret SECRET      secret for signed tokens and cookies; repeat to rotate: the first signs,
                           all verify (or DATASERVE_SECRETS=new,old / DATASERVE_SECRET / DATASETTE_SECRET)
      --internal PATH      SQLite file for dataserve's own state (managed tokens); in memory if absent
      --cors               send CORS headers so browsers on any origin can read the API
      --default-allow      Datasette's defaults: everyone may view everything and run SQL
                           unless config says otherwise (default: deny what config does not allow)
      --lenient            let the config name databases and tables that do not exist (yet),
                           with a warning (default: refuse to start, with did-you-mean)
      --root               let the actor {"id": "root"} do everything; prints a one-time login URL
      --no-access-log      do not log each request
      --no-watch           do not reload the config when its file changes (SIGHUP and
                           POST /-/reload still do)
      --workers N          serve from N processes sharing the port (auto: one per core);
                           one that dies is restarted (see docs/deploying.md)
      --version            print the version
      --help               print this help

Environment:
  DATASERVE_LOAD_PLUGINS   comma-separated npm plugins to load, by package or plugin name
                           ("" for none; unset loads all)
  DATASERVE_BLOCK_PLUGINS  comma-separated plugins never to load, by package or plugin name
                           (built-ins too, e.g. dataserve.tokens)
  DATASERVE_SECRETS        comma-separated signing secrets, newest first (or DATASERVE_SECRET)
  DATASERVE_TRACE_HOOKS=1  print every hook call to stderr`


interface ParsedArgs {
  command: 'serve' | 'plugins' | 'help' | 'version'
  options: ServeOptions
  /** `--workers N`: that many server processes under a primary; absent: this process serves. */
  workers?: number
}

/** More would be a typo: each process has its own SQL threads and page cache. */
const MAX_WORKERS = 256

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const args = [...argv]
  let command: ParsedArgs['command'] = 'serve'
  if (args[0] === 'serve' || args[0] === 'plugins') command = args.shift() as 'serve' | 'plugins'
  const databases: DatabaseFile[] = []
  const overrides: [string, string][] = []
  const options: ServeOptions = { databases, overrides, accessLog: true }
  let workers: number | undefined
  const value = (flag: string) => {
    const next = args.shift()
    if (next === undefined) throw new UsageError(`${flag} needs a value`)
    return next
  }
  while (args.length > 0) {
    const arg = args.shift()!
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    if (inline !== undefined) args.unshift(inline)
    switch (flag) {
      case '--help':
        return { command: 'help', options }
      case '--version':
        return { command: 'version', options }
      case '-p':
      case '--port': {
        const text = value(flag)
        const port = Number(text)
        if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`${flag}: not a port number: ${text}`)
        options.port = port
        break
      }
      case '-h':
      case '--host':
        options.host = value(flag)
        break
      case '-c':
      case '--config':
        options.configFile = value(flag)
        break
      case '-s':
      case '--setting':
        overrides.push([value(flag), value(flag)])
        break
      case '-i':
      case '--immutable':
        databases.push({ path: value(flag), immutable: true })
        break
      case '--plugins-dir':
        options.pluginsDir = value(flag)
        break
      case '--internal':
        options.internal = value(flag)
        break
      case '--secret':
        // Repeatable: the first signs, every one verifies (secret rotation).
        options.secret = [...(options.secret ?? []), value(flag)]
        break
      case '--cors':
        options.cors = true
        break
      case '--default-allow':
        overrides.push(['settings.default_allow', 'true'])
        break
      case '--lenient':
        overrides.push(['settings.lenient', 'true'])
        break
      case '--root':
        overrides.push(['settings.root_enabled', 'true'])
        break
      case '--no-access-log':
        options.accessLog = false
        break
      case '--no-watch':
        options.watchConfig = false
        break
      case '--workers': {
        const text = value(flag)
        workers = text === 'auto' ? availableParallelism() : Number(text)
        if (text !== 'auto' && (!/^\d+$/.test(text) || workers < 1 || workers > MAX_WORKERS)) throw new UsageError(`${flag}: expected a number of processes from 1 to ${MAX_WORKERS}, or auto, got ${text}`)
        break
      }
      default:
        if (flag.startsWith('-') && flag !== '-') throw new UsageError(`unknown option ${flag}`)
        databases.push({ path: flag })
    }
  }
  return { command, options, workers }
}

/** Runs the command line; resolves with the exit code (serve resolves only when shut down). */
export async function main(argv: readonly string[]): Promise<number> {
  const fromPlugin = await pluginCommand(argv)
  if (fromPlugin) return guarded(() => fromPlugin.run(argv.slice(1), commandContext))
  let parsed: ParsedArgs
  try {
    parsed = parseArgs(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`dataserve: ${error.message}\nRun 'dataserve --help' for usage.\n`)
    return 2
  }
  const { command, options, workers } = parsed
  if (command === 'help') return print(`${USAGE}\n\nCommands from plugins:\n${(await commands(options)).map((c) => indent(c.usage)).join('\n')}`)
  if (command === 'version') return print(`dataserve ${VERSION}`)
  try {
    if (command === 'plugins') {
      const ds = await createDataserve({ ...options, notice: () => {} })
      await ds.close()
      return print(JSON.stringify(ds.plugins.listPlugins(), null, 2))
    }
    if (workers === undefined) return await serve(options)
    // Under --workers this same command runs again in each server process (node:cluster).
    return await (cluster.isPrimary ? runPrimary(argv, options, workers) : serveInGroup(options))
  } catch (error) {
    process.stderr.write(`dataserve: cannot start: ${startupProblem(error, options)}\n`)
    return 1
  }
}

async function serve(options: ServeOptions): Promise<number> {
  const running = await startServer(options)
  const count = running.ds.databases.size
  const stopped = new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`dataserve: ${signal} again, exiting now\n`)
        process.exit(1)
      }
      stopping = true
      process.stdout.write(`dataserve: ${signal} received, shutting down\n`)
      void running.close().then(() => resolve(0))
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  // SIGHUP reloads the config, as daemons do; the outcome is logged either way.
  process.on('SIGHUP', () => void running.ds.reloadConfig('signal'))
  process.stdout.write(`dataserve: plugins: ${pluginSummary(running.ds.plugins.listPlugins())}\n`)
  // Only now: whoever reads this line may signal us at once, and must find the handlers.
  process.stdout.write(`dataserve ${VERSION}: serving ${count} database${count === 1 ? '' : 's'} at ${running.url}\n`)
  return stopped
}

/**
 * The plugin command `argv[0]` names (`create-token`, `tokens`, …), from the plugins the
 * command line would load (built-ins, npm packages, `--plugins-dir`). Not a command when it
 * looks like a file: `dataserve mydb.sqlite` serves it.
 */
async function pluginCommand(argv: readonly string[]): Promise<Command | undefined> {
  const [name] = argv
  if (name === undefined || !/^[a-z][a-z0-9-]*$/.test(name) || name === 'serve' || name === 'plugins' || existsSync(name)) return undefined
  const dir = argv.indexOf('--plugins-dir')
  return (await commands({ pluginsDir: dir === -1 ? undefined : argv[dir + 1] })).find((command) => command.name === name)
}

async function commands(options: Pick<ServeOptions, 'pluginsDir'>): Promise<Command[]> {
  const pm = await loadPlugins({ pluginsDir: options.pluginsDir })
  return (await pm.hook.registerCommands({})).flat()
}

const commandContext: CommandContext = {
  createDataserve: (options) => createDataserve({ notice: () => {}, ...options }),
  print: (text) => void process.stdout.write(text + '\n'),
  warn: (text) => void process.stderr.write(text + '\n'),
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')
}

function print(text: string): number {
  process.stdout.write(text + '\n')
  return 0
}

/** Runs a subcommand, turning usage mistakes into exit code 2 and other failures into 1. */
async function guarded(run: () => Promise<number>): Promise<number> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`dataserve: ${error.message}\nRun 'dataserve --help' for usage.\n`)
      return 2
    }
    process.stderr.write(`dataserve: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

