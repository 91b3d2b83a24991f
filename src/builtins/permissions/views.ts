import type { Context } from 'hono'
import { BadRequestError, pageParams, tildeEncode, urlFor, type Dataserve, type DataserveEnv, type Resource } from '../../plugin-api.ts'
import { decide } from './decide.ts'
import { indexOf } from './rule-index.ts'

/** The permission introspection pages: `/-/actions.json`, `/-/allowed.json`, `/-/check.json`. */

export async function actionsView(c: Context<DataserveEnv>) {
  const ds = c.get('ds')
  const actor = c.get('actor')
  await ds.ensureAllowed({ actor, action: 'view-instance' }, 'You do not have permission to view this instance')
  const actions = [...ds.actions.values()].map((action) => ({
    name: action.name,
    abbr: action.abbr ?? null,
    resource_kind: action.resourceKind,
    description: action.description,
    also_requires: action.alsoRequires ?? null,
  }))
  return c.json({ ok: true, actions })
}

const MAX_PAGE_SIZE = 200

/** GET /-/allowed.json?action=view-table — what the current actor may do that action on, paginated. */
export async function allowedView(c: Context<DataserveEnv>) {
  const ds = c.get('ds')
  const actor = c.get('actor')
  const name = c.req.query('action')
  if (!name) throw new BadRequestError('action= is required')
  const action = ds.resolveAction(name)
  if (!action) throw new BadRequestError(`Unknown action: ${name}`)
  const { page, size: pageSize, offset } = pageParams(c.req.query('page'), c.req.query('page_size'), { defaultSize: 50, maxSize: MAX_PAGE_SIZE })
  const parentFilter = c.req.query('parent')
  const allowed: { parent: string | null; child: string | null; resource: string }[] = []
  for (const [resource, parent, child] of candidates(ds, action.resourceKind)) {
    if (parentFilter !== undefined && parent !== parentFilter) continue
    if (await ds.allowed({ actor, action: action.name, resource })) {
      allowed.push({ parent, child, resource: '/' + [parent, child].filter((part) => part !== null).map((part) => tildeEncode(part!)).join('/') })
    }
  }
  const items = allowed.slice(offset, offset + pageSize)
  const hasNext = offset + pageSize < allowed.length
  return c.json({
    ok: true,
    action: action.name,
    actor_id: actor?.id ?? null,
    page,
    page_size: pageSize,
    total: allowed.length,
    items,
    next_url: hasNext ? urlFor(c, { page: String(page + 1) }) : null,
  })
}

/** GET /-/check.json?action=…&parent=…&child=… — one decision and the rule that made it. */
export async function checkView(c: Context<DataserveEnv>) {
  const ds = c.get('ds')
  const actor = c.get('actor')
  await ds.ensureAllowed({ actor, action: 'permissions-debug' }, 'You do not have permission to debug permissions')
  const name = c.req.query('action')
  if (!name) throw new BadRequestError('action= is required')
  const action = ds.resolveAction(name)
  if (!action) throw new BadRequestError(`Unknown action: ${name}`)
  const parent = c.req.query('parent')
  const child = c.req.query('child')
  if (child !== undefined && parent === undefined) throw new BadRequestError('child= needs parent=')
  const resource: Resource = parent === undefined ? undefined : child === undefined ? parent : [parent, child]
  const builtin = decide(ds, indexOf(ds), actor, action.name, resource)
  const allowed = await ds.allowed({ actor, action: action.name, resource })
  return c.json({
    ok: true,
    action: action.name,
    parent: parent ?? null,
    child: child ?? null,
    actor_id: actor?.id ?? null,
    allowed,
    reason: builtin.allowed === undefined || builtin.allowed === allowed ? builtin.reason : `${builtin.reason}; another plugin's answer decided`,
  })
}

function* candidates(ds: Dataserve, kind: string): Generator<[Resource, string | null, string | null]> {
  if (kind === 'instance') {
    yield [undefined, null, null]
    return
  }
  for (const db of ds.databases.values()) {
    if (kind === 'database') {
      yield [db.name, db.name, null]
      continue
    }
    if (kind === 'table') {
      const names = db.connection.prepare("select name from sqlite_master where type in ('table', 'view') order by name").pluck().all() as string[]
      for (const name of names) yield [[db.name, name], db.name, name]
    }
    if (kind === 'query') {
      for (const name of Object.keys(ds.config.databases[db.name]?.queries ?? {})) yield [[db.name, name], db.name, name]
    }
  }
}
