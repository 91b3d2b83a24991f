import { checkAllowBlock } from './allow-block.ts'
import { ConfigError, didYouMean, type Dataserve, type DataserveConfig } from '../../plugin-api.ts'

/**
 * Every allow block has a valid shape and every `permissions:` key names a registered
 * action (by name or abbreviation); otherwise startup stops with the path of the bad key,
 * so a typo never leaves something open that was meant to be closed.
 */
export function validatePermissionConfig(ds: Dataserve, file: string): void {
  const config: DataserveConfig = ds.config
  const known = [...ds.actions.values()].flatMap((action) => (action.abbr ? [action.name, action.abbr] : [action.name]))
  const permissions = (blocks: unknown, path: string[]) => {
    if (blocks === undefined || blocks === null) return
    for (const [action, block] of Object.entries(blocks as Record<string, unknown>)) {
      if (!ds.resolveAction(action)) throw new ConfigError(file, [...path, action], `unknown action${didYouMean(action, known)}`)
      checkAllowBlock(block, file, [...path, action])
    }
  }
  permissions(config.permissions, ['permissions'])
  checkAllowBlock(config.allow, file, ['allow'])
  checkAllowBlock(config.allow_sql, file, ['allow_sql'])
  for (const [db, dbConfig] of Object.entries(config.databases)) {
    const base = ['databases', db]
    permissions(dbConfig?.permissions, [...base, 'permissions'])
    checkAllowBlock(dbConfig?.allow, file, [...base, 'allow'])
    checkAllowBlock(dbConfig?.allow_sql, file, [...base, 'allow_sql'])
    for (const [table, tableConfig] of Object.entries(dbConfig?.tables ?? {})) {
      permissions(tableConfig?.permissions, [...base, 'tables', table, 'permissions'])
      checkAllowBlock(tableConfig?.allow, file, [...base, 'tables', table, 'allow'])
    }
    for (const [query, queryConfig] of Object.entries(dbConfig?.queries ?? {})) {
      const q = queryConfig as { permissions?: unknown; allow?: unknown } | undefined
      permissions(q?.permissions, [...base, 'queries', query, 'permissions'])
      checkAllowBlock(q?.allow, file, [...base, 'queries', query, 'allow'])
    }
  }
  checkNamesExist(ds, file)
}

/**
 * Every database and table the config names exists: a rule for a misspelt name (`itemz`)
 * would otherwise never apply, and under --default-allow leave the real table public.
 * With the `lenient` setting (`--lenient`, for databases or tables that appear later) a
 * warning is printed instead.
 */
function checkNamesExist(ds: Dataserve, file: string): void {
  const problems: ConfigError[] = []
  for (const [db, dbConfig] of Object.entries(ds.config.databases)) {
    const handle = ds.databases.get(db)
    if (!handle) {
      const attached = [...ds.databases.keys()]
      problems.push(new ConfigError(file, ['databases', db], `no database named ${db} is being served${didYouMean(db, attached)} (serving: ${attached.join(', ') || 'none'}; --lenient allows it)`))
      continue
    }
    const tables = Object.keys(dbConfig?.tables ?? {})
    if (tables.length === 0) continue
    const existing = handle.connection.prepare("select name from sqlite_master where type in ('table', 'view')").pluck().all() as string[]
    for (const table of tables) {
      if (!existing.includes(table)) problems.push(new ConfigError(file, ['databases', db, 'tables', table], `no table or view named ${table} in ${db}${didYouMean(table, existing)} (--lenient allows it)`))
    }
  }
  if (problems.length === 0) return
  if (!ds.settings.lenient) throw problems[0]!
  for (const problem of problems) process.stderr.write(`dataserve: warning: ${problem.message}\n`)
}
