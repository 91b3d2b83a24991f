import { definePlugin } from '../../define-plugin.ts'
import type { Dataserve } from '../../dataserve.ts'
import { pageCachePragma } from '../../databases.ts'
import { VERSION } from '../../version.ts'
import { route } from './router.ts'
import { SqlPool } from './sql-pool.ts'
import type { TablesState } from './context.ts'

const states = new WeakMap<Dataserve, TablesState>()

function stateOf(ds: Dataserve): TablesState {
  let state = states.get(ds)
  if (!state) {
    const databases = [...ds.databases.values()].map((db) => ({ name: db.name, path: db.path }))
    // Plugins loaded from files or packages can run in the SQL processes too, so the SQL
    // functions their prepareConnection adds work in ?sql= queries. (Plugin objects passed
    // in by an embedding program cannot be sent to another process.)
    const modules = ds.plugins
      .listPlugins()
      .filter((plugin) => plugin.hooks.includes('prepareConnection') && plugin.module !== undefined)
      .map((plugin) => plugin.module!)
    state = { pool: new SqlPool(databases, ds.settings.num_sql_threads, { modules, config: ds.config, settings: ds.settings, pageCache: pageCachePragma(ds.settings.cache_size_kb) }) }
    states.set(ds, state)
  }
  return state
}

/**
 * Browsing SQLite as Datasette's JSON and CSV API: the index, databases, tables (filters,
 * sort, keyset pagination, search, CSV streaming), rows and read-only SQL queries. Built only
 * on public hooks: registerActions, registerRoutes, shutdown and ds.allowed().
 */
export default definePlugin({
  name: 'dataserve.tables',
  version: VERSION,
  hooks: {
    registerActions: () => [
      { name: 'view-instance', abbr: 'vi', description: 'View the instance', resourceKind: 'instance' },
      { name: 'view-database', abbr: 'vd', description: 'View a database', resourceKind: 'database' },
      { name: 'view-table', abbr: 'vt', description: 'View a table', resourceKind: 'table' },
      { name: 'view-query', abbr: 'vq', description: 'View a named query', resourceKind: 'query' },
      { name: 'execute-sql', abbr: 'es', description: 'Execute read-only SQL queries', resourceKind: 'database', alsoRequires: 'view-database' },
    ],
    registerRoutes: ({ ds }) => [{ method: 'GET', path: '/*', handler: (c) => route(c, stateOf(ds)) }],
    // A warm SQL process before the first ?sql= query arrives.
    listening: ({ ds }) => stateOf(ds).pool.warm(),
    shutdown: ({ ds }) => {
      states.get(ds)?.pool.close()
      states.delete(ds)
    },
  },
})
