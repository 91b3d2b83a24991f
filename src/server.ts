import { getRequestListener } from '@hono/node-server'
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildApp } from './app.ts'
import { builtinPlugins } from './builtins/index.ts'
import { configuredSecrets } from './signing-secrets.ts'
import { loadConfig, type DataserveConfig } from './config/load.ts'
import { watchConfigFile } from './config/watch.ts'
import { Dataserve } from './dataserve.ts'
import { openDatabases, pageCachePragma, type DatabaseFile, type DatabaseHandle } from './databases.ts'
import { SqlPool } from './sql/pool.ts'
import { SqlThreads } from './sql/threads.ts'
import { hookspecs, type Hookspecs } from './hookspecs.ts'
import { prepareInternalDatabase } from './internal-database.ts'
import { guardRequest } from './http-guard.ts'
import { RequestQueue } from './request-queue.ts'
import { PluginManager } from './hooks/manager.ts'
import type { ProcessGroup } from './process-group.ts'
import { traceMonitor } from './hooks/trace.ts'
import type { PluginObject } from './hooks/types.ts'
import { loadNpmPlugins, loadPluginDir } from './plugins/load.ts'

export interface ServeOptions {
  /** Database files to serve (`:memory:` for an empty in-memory one). */
  databases?: readonly DatabaseFile[]
  /** datasette.yaml / datasette.json */
  configFile?: string
  /** `-s key value` overrides */
  overrides?: ReadonlyArray<readonly [string, string]>
  pluginsDir?: string
  /** Extra plugin objects, registered after the others (for embedding and tests). */
  plugins?: readonly PluginObject[]
  /** The internal database file (`--internal`); in memory when absent. */
  internal?: string
  /** Plugin names never to register, built-ins included (also `DATASERVE_BLOCK_PLUGINS=a,b`). */
  blockPlugins?: readonly string[]
  /** Where npm plugins are looked for: `<npmRoot>/node_modules`. Defaults to the working directory. */
  npmRoot?: string
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** Signs tokens and cookies; a list rotates: the first signs, any verifies. */
  secret?: string | readonly string[]
  cors?: boolean
  /** Write an access log line per request to stdout. */
  accessLog?: boolean
  env?: NodeJS.ProcessEnv
  /** Where startup notices go (the secret warning, …). */
  notice?: (message: string) => void
  /** Reload the config when its file changes (default true; reloads on demand work either way). */
  watchConfig?: boolean
  /** The other server processes, when this is one of several (`--workers N`). */
  group?: ProcessGroup
}

export interface RunningServer {
  ds: Dataserve
  server: Server
  url: string
  port: number
  /** Stops accepting connections, lets requests in flight finish (up to `graceMs`), closes the databases. */
  close(graceMs?: number): Promise<void>
}

/**
 * A plugin manager with every plugin the options and environment ask for: the built-ins,
 * npm packages, the plugins directory and embedded plugin objects, minus the blocked ones.
 * The server and the command line (for plugins' commands) load plugins this one way.
 */
export async function loadPlugins(options: ServeOptions = {}): Promise<PluginManager<Hookspecs>> {
  const env = options.env ?? process.env
  const pm = new PluginManager<Hookspecs>(hookspecs)
  if (env.DATASERVE_TRACE_HOOKS && env.DATASERVE_TRACE_HOOKS !== '0') pm.addMonitor(traceMonitor())
  const blocked = [...(options.blockPlugins ?? []), ...(env.DATASERVE_BLOCK_PLUGINS ?? '').split(',').map((name) => name.trim())].filter(Boolean)
  for (const name of blocked) pm.block(name)
  for (const plugin of builtinPlugins) pm.register(plugin, { source: 'builtin' })
  // Blocked npm plugins may be named by package too.
  await loadNpmPlugins(pm, options.npmRoot ?? process.cwd(), env, new Set(blocked))
  if (options.pluginsDir !== undefined) await loadPluginDir(pm, options.pluginsDir)
  for (const plugin of options.plugins ?? []) pm.register(plugin, { source: 'embedded' })
  return pm
}

/** Builds a Dataserve from options: config, plugins, databases and hooks, but no listening socket. */
export async function createDataserve(options: ServeOptions = {}): Promise<Dataserve> {
  const env = options.env ?? process.env
  const notice = options.notice ?? ((message) => process.stderr.write(message + '\n'))
  const reread = () => loadConfig({ file: options.configFile, overrides: options.overrides, env })
  const config = reread()
  if (options.internal !== undefined) prepareInternalDatabase(options.internal)
  const pm = await loadPlugins(options)

  let secret = configuredSecrets(options.secret, env)
  if (!secret) {
    secret = [randomBytes(32).toString('hex')]
    notice('dataserve: no --secret, DATASERVE_SECRETS, DATASERVE_SECRET or DATASETTE_SECRET: using a random secret; signed tokens and cookies die with this process')
  }
  let sql: SqlPool | undefined
  let threads: SqlThreads | null = null
  const databases = openDatabases(options.databases ?? [], { cacheSizeKb: config.settings.cache_size_kb, sql: () => sql!, threads: () => threads })
  sql = sqlPoolFor(pm, databases, config)
  threads = config.settings.num_sql_threads > 0 ? new SqlThreads(config.settings.num_sql_threads, sqlInit(pm, databases, config)) : null
  const ds = new Dataserve({ config, loadConfig: reread, notice, configFile: options.configFile, internalPath: options.internal, plugins: pm, databases, sql, threads: threads ?? undefined, secret, group: options.group })
  try {
    await ds.prepareConnections()
    await ds.prepare()
    await pm.hook.startup({ ds })
  } catch (error) {
    await ds.close()
    throw error
  }
  return ds
}

/**
 * The SQL processes of these databases. Plugins loaded from files or packages run there too,
 * so the SQL functions their prepareConnection adds work in ?sql= queries. (Plugin objects
 * passed in by an embedding program cannot be sent to another process.)
 */
function sqlPoolFor(pm: PluginManager<Hookspecs>, databases: readonly DatabaseHandle[], config: DataserveConfig): SqlPool {
  const { databases: list, ...init } = sqlInit(pm, databases, config)
  // User SQL still needs a process to run in when the threads are turned off.
  return new SqlPool(list, Math.max(1, config.settings.num_sql_threads), init)
}

/** What a SQL process or thread opens and loads: the databases, plugins with prepareConnection, the config they see, the page cache. */
function sqlInit(pm: PluginManager<Hookspecs>, databases: readonly DatabaseHandle[], config: DataserveConfig) {
  const modules = pm
    .listPlugins()
    .filter((plugin) => plugin.hooks.includes('prepareConnection') && plugin.module !== undefined)
    .map((plugin) => plugin.module!)
  return { databases: databases.map((db) => ({ name: db.name, path: db.path })), modules, config: config as unknown, settings: config.settings as unknown, pageCache: pageCachePragma(config.settings.cache_size_kb) }
}

/** Creates the Dataserve, builds the app and listens. */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const ds = await createDataserve(options)
  let server: Server
  try {
    const app = await buildApp(ds, {
      cors: options.cors,
      accessLog: options.accessLog ? (line) => process.stdout.write(line + '\n') : undefined,
    })
    const listener = getRequestListener(app.fetch)
    const queue = new RequestQueue()
    server = createServer((req, res) => {
      if (guardRequest(req, res)) queue.push(() => void listener(req, res))
    })
    server.on('connection', () => queue.accepted())
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 8001, options.host ?? '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    await ds.close()
    throw error
  }
  const { port, address } = server.address() as AddressInfo
  const host = address.includes(':') ? `[${address}]` : address
  const url = `http://${host}:${port}/`
  let closing: Promise<void> | undefined
  ds.warmUp()
  const watcher = options.configFile !== undefined && options.watchConfig !== false ? await watchConfigFile(options.configFile, () => void ds.reloadConfig('file')) : null
  try {
    await ds.plugins.hook.listening({ ds, url })
  } catch (error) {
    watcher?.close()
    server.close()
    await ds.close()
    throw error
  }
  return {
    ds,
    server,
    port,
    url,
    close(graceMs = 5000) {
      watcher?.close()
      closing ??= shutdown(server, ds, graceMs)
      return closing
    },
  }
}

async function shutdown(server: Server, ds: Dataserve, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  const timer = setTimeout(() => server.closeAllConnections(), graceMs)
  await closed
  clearTimeout(timer)
  await ds.close()
}
