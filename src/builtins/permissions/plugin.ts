import type { Context } from 'hono'
import { decide } from './decide.ts'
import { RuleIndex } from './rules.ts'
import { validatePermissionConfig } from './validate-config.ts'
import { BadRequestError, VERSION, definePlugin, pageParams, tildeEncode, urlFor, type Dataserve, type DataserveEnv, type Resource } from '../../plugin-api.ts'

const indexes = new WeakMap<Dataserve, RuleIndex>()

function ruleIndex(ds: Dataserve): RuleIndex {
  return new RuleIndex(ds.config, (name) => ds.resolveAction(name)?.name ?? name)
}

function indexOf(ds: Dataserve): RuleIndex {
  let index = indexes.get(ds)
  if (!index) indexes.set(ds, (index = ruleIndex(ds)))
  return index
}

/**
 * Default-deny permissions with Datasette's config rules (`allow`, `allow_sql`,
 * `permissions` at every level), the root actor under `--root`, Datasette's defaults under
 * `--default-allow`, and token restrictions. Also the permission introspection pages.
 */
export default definePlugin({
  name: 'dataserve.permissions',
  version: VERSION,
  hooks: {
    registerActions: () => [{ name: 'permissions-debug', abbr: 'pd', description: 'Debug permission decisions', resourceKind: 'instance' }],
    startup: ({ ds }) => {
      validatePermissionConfig(ds, ds.configFile)
      indexes.set(ds, ruleIndex(ds))
    },
    permissionAllowed: ({ ds, actor, action, resource }) => decide(ds, indexOf(ds), actor, action, resource).allowed,
    listening: async ({ ds }) => {
      const noFile = ds.configFile === '<no config file>'
      const mode = ds.settings.default_allow
        ? `DEFAULT ALLOW (--default-allow): every database, table and SQL query is PUBLIC unless ${noFile ? 'a rule denies it (no config file is in use)' : `${ds.configFile} denies it`}`
        : `default deny: only what ${noFile ? 'a config file (-c)' : ds.configFile} allows is visible`
      // What is in force, whatever set it (file, -s, flags): asked of the permission hooks.
      process.stdout.write(`dataserve: permissions: ${mode}; anonymous visitors may see ${await anonymousAccess(ds)}\n`)
    },
    registerRoutes: () => [
      { method: 'GET', path: '/-/actions.json', handler: actionsView },
      { method: 'GET', path: '/-/allowed.json', handler: allowedView },
      { method: 'GET', path: '/-/check.json', handler: checkView },
    ],
  },
})

async function actionsView(c: Context<DataserveEnv>) {
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
async function allowedView(c: Context<DataserveEnv>) {
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
async function checkView(c: Context<DataserveEnv>) {
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

/** What an anonymous request may do, in a few words, for the startup banner. */
async function anonymousAccess(ds: Dataserve): Promise<string> {
  if (!(await ds.allowed({ actor: null, action: 'view-instance' }))) return 'nothing'
  let databases = 0
  let sql = 0
  for (const name of ds.databases.keys()) {
    if (await ds.allowed({ actor: null, action: 'view-database', resource: name })) databases++
    if (await ds.allowed({ actor: null, action: 'execute-sql', resource: name })) sql++
  }
  return `the instance and ${databases} of ${ds.databases.size} database${ds.databases.size === 1 ? '' : 's'}${sql > 0 ? `, and run SQL in ${sql}` : ''}`
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
