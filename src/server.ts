import { getRequestListener } from '@hono/node-server'
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildApp } from './app.ts'
import { builtinPlugins } from './builtins/index.ts'
import { ConfigError } from './config/errors.ts'
import { loadConfig } from './config/load.ts'
import { Dataserve } from './dataserve.ts'
import { openDatabases, type DatabaseFile } from './databases.ts'
import { hookspecs, type Hookspecs } from './hookspecs.ts'
import { prepareInternalDatabase } from './internal-database.ts'
import { guardRequest } from './http-guard.ts'
import { PluginManager } from './hooks/manager.ts'
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
}

export interface RunningServer {
  ds: Dataserve
  server: Server
  url: string
  port: number
  /** Stops accepting connections, lets requests in flight finish (up to `graceMs`), closes the databases. */
  close(graceMs?: number): Promise<void>
}

/** Builds a Dataserve from options: config, plugins, databases and hooks, but no listening socket. */
export async function createDataserve(options: ServeOptions = {}): Promise<Dataserve> {
  const env = options.env ?? process.env
  const notice = options.notice ?? ((message) => process.stderr.write(message + '\n'))
  const config = loadConfig({ file: options.configFile, overrides: options.overrides, env })
  if (options.internal !== undefined) prepareInternalDatabase(options.internal)
  const pm = new PluginManager<Hookspecs>(hookspecs)
  if (env.DATASERVE_TRACE_HOOKS && env.DATASERVE_TRACE_HOOKS !== '0') pm.addMonitor(traceMonitor())
  const blocked = [...(options.blockPlugins ?? []), ...(env.DATASERVE_BLOCK_PLUGINS ?? '').split(',').map((name) => name.trim())].filter(Boolean)
  for (const name of blocked) pm.block(name)
  for (const plugin of builtinPlugins) pm.register(plugin, { source: 'builtin' })
  // Blocked npm plugins may be named by package too.
  await loadNpmPlugins(pm, options.npmRoot ?? process.cwd(), env, new Set(blocked))
  if (options.pluginsDir !== undefined) await loadPluginDir(pm, options.pluginsDir)
  for (const plugin of options.plugins ?? []) pm.register(plugin, { source: 'embedded' })

  let secret = configuredSecrets(options.secret, env)
  if (!secret) {
    secret = [randomBytes(32).toString('hex')]
    notice('dataserve: no --secret, DATASERVE_SECRETS, DATASERVE_SECRET or DATASETTE_SECRET: using a random secret; signed tokens and cookies die with this process')
  }
  const ds = new Dataserve({ config, configFile: options.configFile, internalPath: options.internal, plugins: pm, databases: openDatabases(options.databases ?? [], { cacheSizeKb: config.settings.cache_size_kb }), secret })
  try {
    await ds.prepareConnections()
    await ds.collectRegistrations()
    await pm.hook.startup({ ds })
  } catch (error) {
    await ds.close()
    throw error
  }
  return ds
}

/**
 * The signing secrets, newest first: `--secret` (repeatable), else `DATASERVE_SECRETS`
 * (comma-separated), else `DATASERVE_SECRET` or `DATASETTE_SECRET`. Undefined when none is
 * set. An empty one is an error: it would sign with a key anybody can guess.
 */
export function configuredSecrets(given: string | readonly string[] | undefined, env: NodeJS.ProcessEnv): string[] | undefined {
  const check = (secrets: string[], source: string) => {
    secrets.forEach((secret, i) => {
      if (secret.trim() === '') throw new ConfigError(source, [], `secret ${i + 1} is empty`)
    })
    return secrets
  }
  if (given !== undefined) return check(typeof given === 'string' ? [given] : [...given], '--secret')
  if (env.DATASERVE_SECRETS !== undefined) return check(env.DATASERVE_SECRETS.split(',').map((secret) => secret.trim()), 'DATASERVE_SECRETS')
  const single = env.DATASERVE_SECRET ?? env.DATASETTE_SECRET
  return single ? [single] : undefined
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
    server = createServer((req, res) => {
      if (guardRequest(req, res)) void listener(req, res)
    })
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
  try {
    await ds.plugins.hook.listening({ ds, url })
  } catch (error) {
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
