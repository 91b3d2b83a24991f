import type { DataserveConfig } from '../../plugin-api.ts'

/** One rule from datasette.yaml: an allow block and where it came from. */
export interface Rule {
  block: unknown
  /** Dotted config path, for /-/check.json: `databases.sales.tables.orders.allow`. */
  source: string
}

const VIEW_ACTIONS = ['view-instance', 'view-database', 'view-table', 'view-query'] as const

/**
 * The config's permission rules, indexed by level and action so a decision is a few map
 * lookups. Levels, most specific first: a table or query in a database (child), a
 * database (parent), the instance (global). Which rules apply where, as Datasette does:
 *
 * | config                          | level  | actions                                             |
 * | ------------------------------- | ------ | --------------------------------------------------- |
 * | `permissions.ACTION`            | global | ACTION                                              |
 * | `allow`                         | global | view-instance, view-database, view-table, view-query |
 * | `allow_sql`                     | global | execute-sql                                         |
 * | `databases.D.permissions.A`     | D      | A                                                   |
 * | `databases.D.allow`             | D      | view-database, view-table, view-query               |
 * | `databases.D.allow_sql`         | D      | execute-sql                                         |
 * | `…tables.T.permissions.A`       | D/T    | A                                                   |
 * | `…tables.T.allow`               | D/T    | view-table                                          |
 * | `…queries.Q.permissions.A`      | D/Q    | A                                                   |
 * | `…queries.Q.allow`              | D/Q    | view-query                                          |
 */
export class RuleIndex {
  readonly global = new Map<string, Rule[]>()
  readonly parent = new Map<string, Map<string, Rule[]>>()
  readonly child = new Map<string, Map<string, Map<string, Rule[]>>>()

  /** `actionName` turns abbreviations (`vt`) into action names (`view-table`). */
  constructor(config: DataserveConfig, actionName: (nameOrAbbr: string) => string = (name) => name) {
    const add = (map: Map<string, Rule[]>, action: string, block: unknown, source: string) => {
      if (block === undefined || block === null) return
      let list = map.get(action)
      if (!list) map.set(action, (list = []))
      list.push({ block, source })
    }
    const permissions = (map: Map<string, Rule[]>, blocks: Record<string, unknown> | undefined, path: string) => {
      for (const [action, block] of Object.entries(blocks ?? {})) add(map, actionName(action), block, `${path}.${action}`)
    }
    permissions(this.global, config.permissions, 'permissions')
    for (const action of VIEW_ACTIONS) add(this.global, action, config.allow, 'allow')
    add(this.global, 'execute-sql', config.allow_sql, 'allow_sql')

    for (const [db, dbConfig] of Object.entries(config.databases)) {
      const base = `databases.${db}`
      const parent = new Map<string, Rule[]>()
      permissions(parent, dbConfig?.permissions, `${base}.permissions`)
      for (const action of VIEW_ACTIONS.slice(1)) add(parent, action, dbConfig?.allow, `${base}.allow`)
      add(parent, 'execute-sql', dbConfig?.allow_sql, `${base}.allow_sql`)
      if (parent.size > 0) this.parent.set(db, parent)

      const children = new Map<string, Map<string, Rule[]>>()
      const childOf = (name: string) => {
        let map = children.get(name)
        if (!map) children.set(name, (map = new Map()))
        return map
      }
      for (const [table, tableConfig] of Object.entries(dbConfig?.tables ?? {})) {
        permissions(childOf(table), tableConfig?.permissions, `${base}.tables.${table}.permissions`)
        add(childOf(table), 'view-table', tableConfig?.allow, `${base}.tables.${table}.allow`)
      }
      for (const [query, queryConfig] of Object.entries(dbConfig?.queries ?? {})) {
        if (typeof queryConfig !== 'object' || queryConfig === null) continue
        const q = queryConfig as { permissions?: Record<string, unknown>; allow?: unknown }
        permissions(childOf(query), q.permissions, `${base}.queries.${query}.permissions`)
        add(childOf(query), 'view-query', q.allow, `${base}.queries.${query}.allow`)
      }
      for (const [name, map] of children) if (map.size === 0) children.delete(name)
      if (children.size > 0) this.child.set(db, children)
    }
  }
}
