import { VERSION, definePlugin, type Dataserve } from '../../plugin-api.ts'
import { permissionsBanner } from './banner.ts'
import { decide } from './decide.ts'
import { buildIndex, indexOf } from './rule-index.ts'
import { validatePermissionConfig } from './validate-config.ts'
import { actionsView, allowedView, checkView } from './views.ts'

/** The banner last printed, per server: a reload that leaves it as it was prints nothing. */
const lastBanner = new WeakMap<Dataserve, string>()

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
    // At startup and before a reload is swapped in: a bad rule refuses the config.
    prepareConfig: ({ ds }) => {
      validatePermissionConfig(ds, ds.configFile)
      buildIndex(ds)
    },
    // Say again what anonymous visitors may see when a reload changed it.
    configReloaded: async ({ ds }) => {
      const banner = await permissionsBanner(ds)
      if (banner !== lastBanner.get(ds)) process.stdout.write(banner + '\n')
      lastBanner.set(ds, banner)
    },
    permissionAllowed: ({ ds, actor, action, resource }) => decide(ds, indexOf(ds), actor, action, resource).allowed,
    listening: async ({ ds }) => {
      const banner = await permissionsBanner(ds)
      lastBanner.set(ds, banner)
      process.stdout.write(banner + '\n')
    },
    registerRoutes: () => [
      { method: 'GET', path: '/-/actions.json', handler: actionsView },
      { method: 'GET', path: '/-/allowed.json', handler: allowedView },
      { method: 'GET', path: '/-/check.json', handler: checkView },
    ],
  },
})
