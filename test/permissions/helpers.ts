import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createDataserve, type ServeOptions } from '../../src/server.ts'
import type { Actor, Resource } from '../../src/types.ts'
import { makeDb, tempDir } from '../helpers.ts'

/** Two databases, sales (orders, customers, salaries) and hr (staff), and a config file. */
export async function permissionWorld(configYaml: string, options: ServeOptions = {}) {
  const dir = tempDir('dataserve-perm-')
  const sales = makeDb(join(dir, 'sales.db'), 'create table orders (id integer primary key); create table customers (id integer primary key); create table salaries (id integer primary key);')
  const hr = makeDb(join(dir, 'hr.db'), 'create table staff (id integer primary key);')
  const configFile = join(dir, 'datasette.yaml')
  writeFileSync(configFile, configYaml)
  const ds = await createDataserve({ databases: [{ path: sales }, { path: hr }], configFile, notice: () => {}, secret: 's', ...options })
  const can = (actor: Actor | null, action: string, resource?: Resource) => ds.allowed({ actor, action, resource })
  return { ds, can, configFile, files: { sales, hr } }
}

export const anonymous = null
export const alice: Actor = { id: 'alice' }
export const bob: Actor = { id: 'bob' }
export const root: Actor = { id: 'root' }
