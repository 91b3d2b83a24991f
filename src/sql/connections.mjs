// What a SQL process (child.mjs) and a SQL thread (thread.mjs) both do to get connections:
// load the plugins whose prepareConnection adds SQL functions, and open each database
// read-only, lazily, with the server's page cache and those functions. Plain JavaScript, as
// they are; TypeScript is loaded once a module needs it.
import Database from 'better-sqlite3'

let typescript = null

/** tsx, registered once: plugin modules and task modules may be TypeScript. */
export function loadTypeScript() {
  typescript ??= import('tsx/esm/api').then(({ register }) => {
    register()
  })
  return typescript
}

/**
 * Opens connections to `databases` (name → path, null for :memory:) on first use. Call
 * `setup()` once the config is known; connections opened after it get its page cache and
 * the plugins' SQL functions.
 */
export function connectionOpener(databases) {
  const open = new Map()
  let plugins = null
  let context = null
  let pageCache = null
  return {
    async setup({ modules, config, settings, pageCache: pragma }) {
      // The `ds` a plugin sees here is limited to config, settings and databases: the
      // server's own object lives on its thread.
      context = { config, settings, databases, pluginConfig: (name) => config?.plugins?.[name] }
      pageCache = pragma ?? null
      if (modules.length === 0) return
      await loadTypeScript()
      // The one plugin loader: the same import, validation and hook ordering as in the server.
      const { loadPluginModules } = await import(new URL('../plugins/load.ts', import.meta.url).href)
      plugins = await loadPluginModules(modules)
    },
    get(name) {
      let conn = open.get(name)
      if (conn) return conn
      if (!databases.has(name)) throw new Error(`Database not found: ${name}`)
      const path = databases.get(name)
      conn = path === null ? new Database(':memory:') : new Database(path, { readonly: true, fileMustExist: true })
      // The same page cache as the server's own connections (pageCachePragma in databases.ts).
      if (pageCache) conn.pragma(pageCache)
      if (plugins) plugins.hook.prepareConnection({ ds: context, database: name, connection: conn })
      open.set(name, conn)
      return conn
    },
  }
}
