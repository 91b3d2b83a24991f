// A served database and a config with a plugins.oidc block, for the OIDC tests.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeDb, serve, tempDir, type TestServer } from '../helpers.ts'
import type { ServeOptions } from '../../src/server.ts'

/**
 * The YAML of a plugins.oidc block: `issuer` and `audience` plus any other keys. The
 * failed-credential limiter is off: these tests send many bad tokens on purpose.
 */
export function oidcYaml(issuer: string, keys: Record<string, unknown> = {}): string {
  const block = { issuer, audience: 'api://dataserve', read_scopes: ['datasets:read'], ...keys }
  return `settings:\n  failed_credentials_limit: false\nplugins:\n  oidc:\n${Object.entries(block)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `    ${key}: ${JSON.stringify(value)}\n`)
    .join('')}`
}

/** A config file and a database with `sales.orders`; `extra` is more YAML at the top level. */
export function oidcFiles(issuer: string, keys: Record<string, unknown> = {}, extra = '') {
  const dir = tempDir('dataserve-oidc-')
  const db = makeDb(join(dir, 'sales.db'), "create table orders (id integer primary key, item text); insert into orders values (1, 'apple'), (2, 'pear');")
  const config = join(dir, 'datasette.yaml')
  writeFileSync(config, oidcYaml(issuer, keys) + extra)
  return { dir, db, config }
}

export async function oidcServer(issuer: string, keys: Record<string, unknown> = {}, extra = '', options: ServeOptions = {}): Promise<TestServer> {
  const { db, config } = oidcFiles(issuer, keys, extra)
  return serve({ databases: [{ path: db }], configFile: config, ...options })
}

export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })
