import { VERSION, definePlugin } from '../../plugin-api.ts'
import { route } from './router.ts'

/**
 * Browsing SQLite as Datasette's JSON and CSV API: the index, databases, tables (filters,
 * sort, keyset pagination, search, facets, labels, CSV streaming), rows, schemas and
 * read-only SQL queries. Built only on the plugin API: registerActions, registerRoutes,
 * ds.allowed() and the databases' time-limited execute().
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
    registerRoutes: () => [{ method: 'GET', path: '/*', handler: route }],
  },
})
