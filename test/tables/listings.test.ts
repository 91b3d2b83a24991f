import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { getJson, makeDb, serve, tempDir } from '../helpers.ts'
import { allowAll, fixtureDb, serveFixtures } from './fixtures.ts'

describe('database and index listings', () => {
  it('/DB.json lists tables with name, columns, primary_keys, count, hidden, fts_table', async () => {
    const { status, body } = await getJson(await serveFixtures(), '/fixtures.json')
    assert.equal(status, 200)
    assert.equal(body.ok, true)
    assert.equal(body.database, 'fixtures')
    const items = body.tables.find((t: any) => t.name === 'items')
    assert.deepEqual(
      { ...items, foreign_keys: undefined },
      { name: 'items', columns: ['id', 'name', 'price', 'category', 'tags', 'created', 'note', 'data'], primary_keys: ['id'], count: 7, count_truncated: false, hidden: false, fts_table: 'items_fts', foreign_keys: undefined, private: false },
    )
    assert.deepEqual(body.tables.find((t: any) => t.name === 'compound').primary_keys, ['a', 'b'])
    assert.deepEqual(body.views, [{ name: 'fruit', private: false }])
    assert.equal(body.allow_execute_sql, true)
  })

  it("/.json lists the databases in Datasette 1.0's shape", async () => {
    const dir = tempDir()
    const server = await serve({
      databases: [{ path: fixtureDb() }, { path: makeDb(join(dir, 'second.db'), 'create table t (a); insert into t values (1), (2);') }],
      plugins: [allowAll],
    })
    const { body } = await getJson(server, '/.json')
    assert.deepEqual(Object.keys(body), ['ok', 'unstable', 'databases', 'metadata'])
    assert.deepEqual(body.databases.map((db: any) => db.name), ['fixtures', 'second'])
    const [fixtures, second] = body.databases
    assert.equal(second.tables_count, 1)
    assert.equal(second.table_rows_sum, 2)
    assert.equal(second.path, '/second')
    assert.equal(fixtures.views_count, 1)
    assert.ok(fixtures.hidden_tables_count >= 2)
  })

  it('listings show only what the actor may view, without leaking hidden names', async () => {
    const rules = definePlugin({
      name: 'rules',
      hooks: {
        permissionAllowed: ({ action, resource }) => {
          if (action === 'view-instance') return true
          if (action === 'view-database') return resource === 'open'
          if (action === 'view-table') return Array.isArray(resource) && resource[1] === 'public'
          return undefined
        },
      },
    })
    const dir = tempDir()
    const server = await serve({
      databases: [
        { path: makeDb(join(dir, 'open.db'), 'create table public (a); create table secret_salaries (a);') },
        { path: makeDb(join(dir, 'closed.db'), 'create table public (a);') },
      ],
      plugins: [rules],
    })
    const index = await getJson(server, '/.json')
    assert.deepEqual(index.body.databases.map((db: any) => db.name), ['open'])
    const db = await getJson(server, '/open.json')
    assert.deepEqual(db.body.tables.map((t: any) => t.name), ['public'])
    assert.doesNotMatch(JSON.stringify(db.body), /secret_salaries/)
    assert.equal((await getJson(server, '/closed.json')).status, 403)
    assert.equal((await getJson(server, '/open/secret_salaries.json')).status, 403)
  })

  it('with no permission answers at all, everything is 403 (deny by default)', async () => {
    const server = await serve({ databases: [{ path: fixtureDb() }] })
    for (const path of ['/.json', '/fixtures.json', '/fixtures/items.json', '/fixtures/items.csv', '/fixtures/items/1.json', '/fixtures/-/query.json?sql=select+1']) {
      const { status, body } = await getJson(server, path)
      assert.equal(status, 403, path)
      assert.equal(body.ok, false)
    }
  })

  it('the tables plugin registers Datasette\'s actions with their abbreviations', async () => {
    const server = await serve({})
    const actions = Object.fromEntries([...server.ds.actions.values()].filter((a) => !a.name.startsWith('auth-tokens')).map((a) => [a.name, [a.abbr, a.resourceKind]]))
    assert.deepEqual(actions, {
      'view-instance': ['vi', 'instance'],
      'view-database': ['vd', 'database'],
      'view-table': ['vt', 'table'],
      'view-query': ['vq', 'query'],
      'execute-sql': ['es', 'database'],
      'permissions-debug': ['pd', 'instance'],
      'reload-config': ['rc', 'instance'],
      'create-embed': ['ce', 'instance'],
    })
    assert.equal(server.ds.actions.get('execute-sql')!.alsoRequires, 'view-database')
  })
})
