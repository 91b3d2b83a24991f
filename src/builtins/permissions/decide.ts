import { actorMatchesAllow } from './allow-block.ts'
import { restrictionsAllow, restrictionsOf } from './restrictions.ts'
import type { Rule, RuleIndex } from './rules.ts'
import type { Actor, Dataserve, Resource } from '../../plugin-api.ts'

/** Datasette's defaults under `--default-allow`. */
export const DEFAULT_ALLOW_ACTIONS = new Set(['view-instance', 'view-database', 'view-table', 'view-query', 'execute-sql'])

export interface Decision {
  /** true or false, or undefined when no rule applies (and so the answer is deny). */
  allowed: boolean | undefined
  /** Which rule decided, for /-/check.json. */
  reason: string
}

/**
 * The built-in decision: the most specific level with a rule decides (a table or query,
 * then its database, then the instance); within a level a deny beats an allow; an allow
 * block that exists and does not match the actor denies. Token restrictions can then only
 * take access away.
 */
export function decide(ds: Dataserve, index: RuleIndex, actor: Actor | null, action: string, resource: Resource): Decision {
  const decision = cascade(ds, index, actor, action, resource)
  const restrictions = restrictionsOf(actor)
  if (restrictions && decision.allowed !== false && !restrictionsAllow(ds, restrictions, action, resource)) {
    return { allowed: false, reason: `token restrictions do not include ${action}${resource === undefined ? '' : ` on ${describe(resource)}`}` }
  }
  return decision
}

function cascade(ds: Dataserve, index: RuleIndex, actor: Actor | null, action: string, resource: Resource): Decision {
  if (Array.isArray(resource)) {
    const verdict = level(actor, index.child.get(resource[0])?.get(resource[1])?.get(action))
    if (verdict) return verdict
  }
  if (resource !== undefined) {
    const db = typeof resource === 'string' ? resource : resource[0]
    const verdict = level(actor, index.parent.get(db)?.get(action))
    if (verdict) return verdict
  }
  // The instance level: config rules, plus the rules the server itself brings.
  const rules: Rule[] = [...(index.global.get(action) ?? [])]
  const { settings } = ds
  if (settings.root_enabled && actor?.id === 'root') rules.push({ block: true, source: '--root (the root actor may do everything)' })
  if (settings.default_allow && DEFAULT_ALLOW_ACTIONS.has(action)) rules.push({ block: true, source: '--default-allow' })
  if (action === 'execute-sql' && !settings.default_allow_sql) rules.push({ block: false, source: 'settings.default_allow_sql is false' })
  return level(actor, rules) ?? { allowed: undefined, reason: 'no rule allows it: denied by default' }
}

function level(actor: Actor | null, rules: readonly Rule[] | undefined): Decision | undefined {
  if (!rules || rules.length === 0) return undefined
  let allowedBy: Rule | undefined
  for (const rule of rules) {
    if (!actorMatchesAllow(actor, rule.block)) return { allowed: false, reason: `denied by ${rule.source}` }
    allowedBy ??= rule
  }
  return { allowed: true, reason: `allowed by ${allowedBy!.source}` }
}

function describe(resource: Resource): string {
  return typeof resource === 'string' ? resource : `${resource![0]}/${resource![1]}`
}
