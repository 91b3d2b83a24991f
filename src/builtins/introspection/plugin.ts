import Database from 'better-sqlite3'
import { statSync } from 'node:fs'
import type { Context } from 'hono'
import { HttpError, VERSION, definePlugin, errorBody, type Dataserve, type DataserveEnv, type ReloadOutcome } from '../../plugin-api.ts'

/**
 * Datasette's introspection endpoints: which plugins, hooks, versions and settings this
 * instance has (everything but the probes needs `view-instance`), and the config's live
 * reload: `POST /-/reload` (the `reload-config` action) and `/-/config-status.json`.
 */
export default definePlugin({
  name: 'dataserve.introspection',
  version: VERSION,
  hooks: {
    registerActions: () => [{ name: 'reload-config', abbr: 'rc', description: 'Reload the config file (POST /-/reload)', resourceKind: 'instance' }],
    registerRoutes: () => [
      { method: 'GET', path: '/-/health.json', handler: (c) => c.json({ ok: true }) },
      // Probes for a load balancer or Kubernetes: no credentials needed, whatever the config.
      { method: 'GET', path: '/healthz', handler: (c) => c.json({ ok: true }) },
      { method: 'GET', path: '/readyz', handler: readyz },
      { method: 'GET', path: '/-/actor.json', handler: (c) => c.json({ ok: true, actor: c.get('actor') }) },
      { method: 'GET', path: '/-/plugins.json', handler: guarded((ds) => ds.plugins.listPlugins()) },
      { method: 'GET', path: '/-/hooks.json', handler: guarded(hookOrder) },
      // Objects carry "ok": true first, as Datasette's JSON views add it.
      { method: 'GET', path: '/-/versions.json', handler: guarded(() => ({ ok: true, ...versions() })) },
      { method: 'GET', path: '/-/settings.json', handler: guarded((ds) => ({ ok: true, ...ds.settings })) },
      { method: 'GET', path: '/-/databases.json', handler: databasesView },
      { method: 'GET', path: '/-/config-status.json', handler: guarded(configStatus) },
      { method: 'POST', path: '/-/reload', handler: reload },
    ],
  },
})

/** GET /readyz — 200 once every plugin that answers `readiness` is ready, else 503 with the details. */
async function readyz(c: Context<DataserveEnv>) {
  const ds = c.get('ds')
  const checks = (await ds.plugins.hook.readiness({ ds })).filter((check) => typeof check === 'object' && check !== null)
  const ready = checks.every((check) => check.ready)
  const retryAfter = Math.max(1, ...checks.filter((check) => !check.ready).map((check) => Math.ceil(check.retryAfter ?? 1)))
  return c.json({ ok: ready, checks }, ready ? 200 : 503, ready ? {} : { 'Retry-After': String(retryAfter) })
}

/** POST /-/reload — reads the config again; 200 when it came into force, 400 (the old one stays) when refused. */
async function reload(c: Context<DataserveEnv>) {
  const ds = c.get('ds')
  // A page on another site must not make a signed-in browser reload (a cookie session would
  // ride along): browsers say where a request comes from, and only our own pages may.
  const site = c.req.header('sec-fetch-site')
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new HttpError(403, 'POST /-/reload is not accepted from another site')
  await ds.ensureAllowed({ actor: c.get('actor'), action: 'reload-config' }, 'You do not have permission to reload the config')
  const outcome = await ds.reloadConfig('api')
  if (!outcome.ok) return c.json({ ...errorBody(400, `The new config was refused; the config in force stays: ${outcome.error}`), reload: outcomeJson(outcome) }, 400)
  return c.json({ ok: true, reload: outcomeJson(outcome) })
}

/** GET /-/config-status.json — the config in force, and how the last reload went. */
function configStatus(ds: Dataserve) {
  const { number, loadedAt } = ds.generation
  return { ok: true, file: ds.configFile, generation: number, loaded_at: new Date(loadedAt).toISOString(), last_reload: ds.lastReload && outcomeJson(ds.lastReload) }
}

function outcomeJson(outcome: ReloadOutcome) {
  return { ok: outcome.ok, trigger: outcome.trigger, at: new Date(outcome.at).toISOString(), generation: outcome.generation, ...(outcome.error !== undefined && { error: outcome.error }) }
}

/** GET /-/databases.json — Datasette's list of the attached databases the actor may view. */
async function databasesView(c: Context<DataserveEnv>) {
  const ds = c.get('ds')
  const actor = c.get('actor')
  await ds.ensureAllowed({ actor, action: 'view-instance' }, 'You do not have permission to view this instance')
  const databases = []
  for (const db of ds.databases.values()) {
    if (!(await ds.allowed({ actor, action: 'view-database', resource: db.name }))) continue
    databases.push({
      name: db.name,
      route: db.name,
      path: db.path,
      size: db.path === null ? 0 : statSync(db.path).size,
      is_mutable: !db.immutable,
      is_memory: db.path === null,
      hash: null,
    })
  }
  return c.json({ ok: true, databases })
}

function guarded(body: (ds: Dataserve) => unknown) {
  return async function introspection(c: Context<DataserveEnv>) {
    const ds = c.get('ds')
  const actor = c.get('actor')
    await ds.ensureAllowed({ actor, action: 'view-instance' }, 'You do not have permission to view this instance')
    return c.json(body(ds))
  }
}

/** Each hook with its implementations in the order they run. */
function hookOrder(ds: Dataserve) {
  return Object.fromEntries(
    ds.plugins.hookNames().map((name) => [
      name,
      ds.plugins.hook[name as keyof typeof ds.plugins.hook].callOrder().map((impl) => ({
        plugin: impl.pluginName,
        ...(impl.key !== name && { specName: name, key: impl.key }),
        ...(impl.wrapper && { wrapper: true }),
        ...(impl.tryFirst && { tryFirst: true }),
        ...(impl.tryLast && { tryLast: true }),
      })),
    ]),
  )
}

function versions() {
  const probe = new Database(':memory:')
  const sqliteVersion = (probe.prepare('select sqlite_version() as v').get() as { v: string }).v
  const compileOptions = (probe.prepare('pragma compile_options').all() as { compile_options: string }[]).map((r) => r.compile_options)
  probe.close()
  return {
    dataserve: { version: VERSION },
    node: { version: process.versions.node },
    sqlite: {
      version: sqliteVersion,
      fts_versions: ['FTS5', 'FTS4', 'FTS3'].filter((fts) => compileOptions.includes(`ENABLE_${fts}`)),
      compile_options: compileOptions,
    },
  }
}
