import { ConfigError } from '../../config/errors.ts'
import type { DataserveConfig } from '../../config/load.ts'
import type { Dataserve } from '../../dataserve.ts'
import { didYouMean } from '../../util/nearest.ts'
import { checkAllowBlock } from './allow-block.ts'

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
}
