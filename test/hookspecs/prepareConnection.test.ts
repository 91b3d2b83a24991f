import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { getJson, makeDb, REPO, serve, tempDir } from '../helpers.ts'

describe('hook: prepareConnection', () => {
  it('is called for every database with its name, and what it adds is usable in SQL', async () => {
    const dir = tempDir()
    const a = makeDb(join(dir, 'words.db'), "create table w (t text); insert into w values ('stressed');")
    const b = makeDb(join(dir, 'other.db'), 'create table x (y);')
    const prepared: string[] = []
    const plugin = definePlugin({
      name: 'sql-functions',
      hooks: {
        prepareConnection: ({ database, connection }) => {
          prepared.push(database)
          connection.function('reverse_string', (text: unknown) => [...String(text)].reverse().join(''))
        },
        registerRoutes: ({ ds }) => [
          {
            method: 'GET',
            path: '/-/reversed',
            handler: (c) => c.json(ds.databases.get('words')!.connection.prepare('select reverse_string(t) as r from w').get()),
          },
        ],
      },
    })
    const server = await serve({ databases: [{ path: a }, { path: b }], plugins: [plugin] })
    assert.deepEqual(prepared, ['words', 'other'])
    assert.deepEqual((await getJson(server, '/-/reversed')).body, { r: 'desserts' })
  })

  it('functions from plugin files work in ?sql= queries too, which run in separate SQL processes', async () => {
    const db = makeDb(join(tempDir(), 'demo.db'), "create table t (a); insert into t values ('abc');")
    const allow = definePlugin({ name: 'allow', hooks: { permissionAllowed: () => true } })
    const server = await serve({ databases: [{ path: db }], pluginsDir: join(REPO, 'plugins'), plugins: [allow] })
    const { status, body } = await getJson(server, `/demo/-/query.json?sql=${encodeURIComponent('select reverse_string(a) as r from t')}`)
    assert.equal(status, 200, JSON.stringify(body))
    assert.deepEqual(body.rows, [{ r: 'cba' }])
  })

  it('the example plugin in plugins/ (plain JavaScript) adds reverse_string', async () => {
    const db = makeDb(join(tempDir(), 'demo.db'), 'create table t (a);')
    const server = await serve({ databases: [{ path: db }], pluginsDir: join(REPO, 'plugins') })
    const row = server.ds.databases.get('demo')!.connection.prepare("select reverse_string('abc') as r").get()
    assert.deepEqual(row, { r: 'cba' })
  })
})
