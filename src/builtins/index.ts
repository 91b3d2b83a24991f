import actorCookie from './actor-cookie/plugin.ts'
import apiKey from './api-key/plugin.ts'
import basicAuth from './basic-auth/plugin.ts'
import embed from './embed/plugin.ts'
import html from './html/plugin.tsx'
import introspection from './introspection/plugin.ts'
import oidc from './oidc/plugin.ts'
import permissions from './permissions/plugin.ts'
import tables from './tables/plugin.ts'
import tokens from './tokens/plugin.ts'
import type { Plugin } from '../plugin-api.ts'

/**
 * The built-in plugins, registered first so user plugins run before them. Order matters
 * among them too: tables is registered first so its catch-all `/*` route comes after the
 * `/-/…` routes of the others; oidc before tokens, so the signed handler stays the first
 * token handler (`ds.createToken()` without a name).
 */
export const builtinPlugins: readonly Plugin[] = [tables, html, introspection, permissions, actorCookie, apiKey, basicAuth, embed, oidc, tokens]
