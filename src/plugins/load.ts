import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { register } from 'node:module'
import { extname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { hookspecs, type Hookspecs } from '../hookspecs.ts'
import { PluginManager } from '../hooks/manager.ts'
import type { PluginObject } from '../hooks/types.ts'

/** A plugin that could not be loaded: names the file or package and the reason. Stops startup. */
export class PluginLoadError extends Error {
  override name = 'PluginLoadError'
}

const PLUGIN_EXTENSIONS = new Set(['.js', '.mjs', '.ts', '.mts'])

let selfResolveRegistered = false

/** Lets plugin files `import … from 'dataserve'` wherever they live. Exported for the SQL processes. */
export function ensureSelfResolve(): void {
  if (selfResolveRegistered) return
  selfResolveRegistered = true
  const entry = new URL('../plugin-api.ts', import.meta.url).href
  const server = new URL('../server.ts', import.meta.url).href
  register(new URL('./self-resolve.mjs', import.meta.url), { data: { entry, server } })
}

/** Registers every `.js/.mjs/.ts/.mts` file in `dir`, in name order. */
export async function loadPluginDir(pm: PluginManager<Hookspecs>, dir: string): Promise<void> {
  const root = resolve(dir)
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new PluginLoadError(`--plugins-dir ${dir}: not a directory`)
  ensureSelfResolve()
  const files = readdirSync(root)
    .filter((file) => PLUGIN_EXTENSIONS.has(extname(file)) && !file.endsWith('.d.ts') && !file.endsWith('.d.mts'))
    .sort()
  for (const file of files) {
    const path = join(root, file)
    const plugin = await importPlugin(path, `plugin file ${path}`, { asModule: true })
    registerOrExplain(pm, plugin, { source: `file:${path}`, module: moduleUrl(path, true) }, `plugin file ${path}`)
  }
}

/**
 * Registers npm packages installed under `root/node_modules` that declare themselves
 * dataserve plugins: `"dataserve": {"plugin": "./entry.js"}` in package.json, or the
 * keyword `dataserve-plugin` (then the package's main entry is loaded).
 * `DATASERVE_LOAD_PLUGINS` picks which: unset loads all, `""` none, `a,b` only those — by
 * package name or by plugin name, as `blocked` (DATASERVE_BLOCK_PLUGINS) may name either.
 */
export async function loadNpmPlugins(pm: PluginManager<Hookspecs>, root: string, env: NodeJS.ProcessEnv, blocked: ReadonlySet<string> = new Set()): Promise<void> {
  const chosen = env.DATASERVE_LOAD_PLUGINS
  const allow = chosen === undefined ? null : new Set(chosen.split(',').map((name) => name.trim()).filter(Boolean))
  const found = findPluginPackages(join(resolve(root), 'node_modules'))
  if (found.length > 0) ensureSelfResolve()
  const loaded = new Set<string>()
  for (const pkg of found) {
    if (blocked.has(pkg.name)) continue
    // A package named in the list is loaded; otherwise its plugin's own name must be (known only once imported).
    if (allow && allow.size === 0) continue
    const plugin = await importPlugin(pkg.entry, `npm package ${pkg.name}`, { asModule: false })
    if (allow && !allow.has(pkg.name) && !allow.has(plugin.name)) continue
    loaded.add(pkg.name).add(plugin.name)
    registerOrExplain(pm, plugin, { source: `npm:${pkg.name}`, version: pkg.version, module: moduleUrl(pkg.entry, false) }, `npm package ${pkg.name}`)
  }
  for (const name of allow ?? []) {
    if (!loaded.has(name)) process.stderr.write(`dataserve: DATASERVE_LOAD_PLUGINS names '${name}', which is not an installed plugin (by package or plugin name)\n`)
  }
}

/**
 * A plugin manager holding the plugins at these module URLs (as PluginInfo.module records
 * them): how the SQL processes get the server's prepareConnection implementations.
 */
export async function loadPluginModules(urls: readonly string[]): Promise<PluginManager<Hookspecs>> {
  ensureSelfResolve()
  const pm = new PluginManager<Hookspecs>(hookspecs)
  for (const url of urls) {
    let module: { default?: unknown; plugin?: unknown }
    try {
      module = await import(url)
    } catch (error) {
      throw new PluginLoadError(`plugin ${url} failed to import: ${(error as Error).message ?? String(error)}`)
    }
    registerOrExplain(pm, (module.default ?? module.plugin) as PluginObject, { source: url, module: url }, `plugin ${url}`)
  }
  return pm
}

interface PluginPackage {
  name: string
  version?: string
  entry: string
}

function findPluginPackages(nodeModules: string): PluginPackage[] {
  if (!existsSync(nodeModules)) return []
  const dirs: string[] = []
  for (const name of readdirSync(nodeModules).sort()) {
    if (name.startsWith('.')) continue
    if (name.startsWith('@')) {
      for (const scoped of readdirSync(join(nodeModules, name)).sort()) dirs.push(join(nodeModules, name, scoped))
    } else {
      dirs.push(join(nodeModules, name))
    }
  }
  const packages: PluginPackage[] = []
  for (const dir of dirs) {
    let manifest: { name?: string; version?: string; main?: string; keywords?: unknown; dataserve?: { plugin?: string } }
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    } catch {
      continue
    }
    if (!manifest.name || manifest.name === 'dataserve') continue
    const declared = manifest.dataserve?.plugin
    const byKeyword = Array.isArray(manifest.keywords) && manifest.keywords.includes('dataserve-plugin')
    if (!declared && !byKeyword) continue
    packages.push({ name: manifest.name, version: manifest.version, entry: join(dir, declared ?? manifest.main ?? 'index.js') })
  }
  return packages
}

async function importPlugin(path: string, label: string, { asModule }: { asModule: boolean }): Promise<PluginObject> {
  let module: { default?: unknown; plugin?: unknown }
  try {
    // The mark tells self-resolve.mjs to load a plugins-dir file as an ES module; npm
    // packages say what they are in their own package.json.
    module = await import(moduleUrl(path, asModule))
  } catch (error) {
    throw new PluginLoadError(`${label} failed to import: ${(error as Error).message ?? String(error)}`)
  }
  const plugin = module.default ?? module.plugin
  if (typeof plugin !== 'object' || plugin === null) {
    throw new PluginLoadError(`${label} does not export a plugin: write \`export default definePlugin({ name, hooks })\``)
  }
  return plugin as PluginObject
}

/** The URL a plugin is imported from; the mark tells self-resolve.mjs to load it as an ES module. */
function moduleUrl(path: string, asModule: boolean): string {
  return pathToFileURL(path).href + (asModule ? '?dataserve-plugin' : '')
}

function registerOrExplain(
  pm: PluginManager<Hookspecs>,
  plugin: PluginObject,
  meta: { source: string; version?: string; module?: string },
  label: string,
): void {
  try {
    pm.register(plugin, meta)
  } catch (error) {
    throw new PluginLoadError(`${label}: ${(error as Error).message}`)
  }
}
