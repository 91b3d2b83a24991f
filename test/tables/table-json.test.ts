import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { getJson } from '../helpers.ts'
import { serveFixtures } from './fixtures.ts'

describe('table JSON', () => {
  it("default shape: ok, next, next_url, rows as objects, truncated", async () => {
    const server = await serveFixtures()
    const { status, headers, body } = await getJson(server, '/fixtures/items.json?_size=2&_col=name')
    assert.equal(status, 200)
    assert.equal(headers.get('content-type'), 'application/json; charset=utf-8')
    assert.deepEqual(Object.keys(body), ['ok', 'next', 'next_url', 'rows', 'truncated'])
    assert.equal(body.ok, true)
    assert.equal(body.next, '2')
    assert.equal(body.next_url, `${server.url}fixtures/items.json?_size=2&_col=name&_next=2`)
    assert.deepEqual(body.rows, [
      { id: 1, name: 'apple' },
      { id: 2, name: 'banana' },
    ])
    assert.equal(body.truncated, false)
    assert.equal(headers.get('link'), `<${body.next_url}>; rel="next"`)
  })

  it('the last page has next null and no Link header', async () => {
    const server = await serveFixtures()
    const { headers, body } = await getJson(server, '/fixtures/items.json?_next=6')
    assert.deepEqual(body.rows.map((r: any) => r.id), [7])
    assert.equal(body.next, null)
    assert.equal(body.next_url, null)
    assert.equal(headers.get('link'), null)
  })

  it('rowid tables include rowid first', async () => {
    const server = await serveFixtures()
    const { body } = await getJson(server, '/fixtures/no_pk.json')
    assert.deepEqual(body.rows[0], { rowid: 1, name: 'one', n: 1 })
  })

  it('BLOBs are {"$base64": true, "encoded": …}; NULLs are null; REALs are numbers', async () => {
    const server = await serveFixtures()
    const { body } = await getJson(server, '/fixtures/items.json?id=3')
    assert.deepEqual(body.rows[0].data, { $base64: true, encoded: 'AP8Q' })
    assert.equal(body.rows[0].price, 3)
    const four = await getJson(server, '/fixtures/items.json?id=4')
    assert.equal(four.body.rows[0].price, null)
  })

  it('_shape=arrays gives lists in column order', async () => {
    const server = await serveFixtures()
    const { body } = await getJson(server, '/fixtures/compound.json?_shape=arrays&_size=1')
    assert.deepEqual(body.rows, [['a,b', 3, 'comma']])
    assert.equal(body.ok, true)
    assert.equal(body.next, 'a~2Cb,3')
  })

  it('_shape=array gives a bare list; with _nl=on, newline-delimited JSON', async () => {
    const server = await serveFixtures()
    const { body } = await getJson(server, '/fixtures/no_pk.json?_shape=array')
    assert.deepEqual(body, [
      { rowid: 1, name: 'one', n: 1 },
      { rowid: 2, name: 'two', n: 2 },
      { rowid: 3, name: 'three', n: 3 },
    ])
    const nl = await server.get('/fixtures/no_pk.json?_shape=array&_nl=on')
    assert.equal(nl.headers.get('content-type'), 'text/plain; charset=utf-8')
    assert.deepEqual((await nl.text()).split('\n').map((line) => JSON.parse(line).name), ['one', 'two', 'three'])
  })

  it('_shape=arrayfirst gives the first column of each row', async () => {
    const server = await serveFixtures()
    assert.deepEqual((await getJson(server, '/fixtures/items.json?_shape=arrayfirst&_col=name&_size=3')).body, [1, 2, 3])
  })

  it('_shape=object keys rows by their tilde-encoded primary key, compound keys comma-joined', async () => {
    const server = await serveFixtures()
    const { body } = await getJson(server, '/fixtures/compound.json?_shape=object')
    assert.deepEqual(Object.keys(body), ['a~2Cb,3', 'x,1', 'x,2', 'y,1', 'y,10'])
    assert.deepEqual(body['x,2'], { a: 'x', b: 2, value: 'x2' })
    const rowid = await getJson(server, '/fixtures/no_pk.json?_shape=object')
    assert.deepEqual(Object.keys(rowid.body), ['1', '2', '3'])
  })

  it('_shape=object on a view, or an unknown shape, is a 400', async () => {
    const server = await serveFixtures()
    assert.equal((await getJson(server, '/fixtures/fruit.json?_shape=object')).status, 400)
    const bad = await getJson(server, '/fixtures/items.json?_shape=lists')
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error, 'Invalid _shape: lists')
  })

  it('_col and _nocol choose columns; primary keys always stay', async () => {
    const server = await serveFixtures()
    const col = await getJson(server, '/fixtures/items.json?_col=name&_col=price&_size=1')
    assert.deepEqual(Object.keys(col.body.rows[0]), ['id', 'name', 'price'])
    const nocol = await getJson(server, '/fixtures/items.json?_nocol=tags&_nocol=data&_nocol=note&_size=1')
    assert.deepEqual(Object.keys(nocol.body.rows[0]), ['id', 'name', 'price', 'category', 'created'])
  })

  it('_col of an unknown column, or _nocol of a primary key, is a 400', async () => {
    const server = await serveFixtures()
    assert.equal((await getJson(server, '/fixtures/items.json?_col=nope')).body.error, '_col=nope - invalid columns')
    assert.equal((await getJson(server, '/fixtures/items.json?_nocol=id')).status, 400)
  })

  it('_extra=count,columns,primary_keys adds those keys; extras can repeat', async () => {
    const server = await serveFixtures()
    const { body } = await getJson(server, '/fixtures/items.json?category=fruit&_extra=count,columns&_extra=primary_keys&_size=1&_col=name')
    assert.equal(body.count, 4)
    assert.deepEqual(body.columns, ['id', 'name'])
    assert.deepEqual(body.primary_keys, ['id'])
  })

  it('count ignores _next: it counts every matching row', async () => {
    const server = await serveFixtures()
    assert.equal((await getJson(server, '/fixtures/items.json?_next=3&_extra=count')).body.count, 7)
  })

  it('other extras: count_sql, query, database, table, is_view, sort, human_description_en, table_definition', async () => {
    const server = await serveFixtures()
    const { body } = await getJson(server, '/fixtures/items.json?category=fruit&_sort=price&_extra=count_sql,query,database,table,is_view,sort,sort_desc,human_description_en,table_definition,private')
    assert.equal(body.count_sql, 'select count(*) from "items" where "category" = :p0')
    assert.match(body.query.sql, /^select .* from "items" where "category" = :p0 order by "price", "id" limit 101$/)
    assert.deepEqual(body.query.params, { p0: 'fruit' })
    assert.equal(body.database, 'fixtures')
    assert.equal(body.table, 'items')
    assert.equal(body.is_view, false)
    assert.equal(body.sort, 'price')
    assert.equal(body.sort_desc, null)
    assert.equal(body.human_description_en, 'where category exact "fruit" sorted by price')
    assert.match(body.table_definition, /^CREATE TABLE items/)
    assert.equal(body.private, false)
  })

  it('an unknown _extra is a 400 listing the available ones', async () => {
    const server = await serveFixtures()
    const { status, body } = await getJson(server, '/fixtures/items.json?_extra=count,bogus')
    assert.equal(status, 400)
    assert.match(body.error, /^Unknown _extra: bogus \(available: count, count_sql/)
  })

  it('_json=col returns that column as JSON instead of a string', async () => {
    const server = await serveFixtures()
    const plain = await getJson(server, '/fixtures/items.json?id=1&_col=tags')
    assert.equal(plain.body.rows[0].tags, '["red","sweet"]')
    const parsed = await getJson(server, '/fixtures/items.json?id=1&_col=tags&_json=tags')
    assert.deepEqual(parsed.body.rows[0].tags, ['red', 'sweet'])
  })

  it('views are served and paginate by offset', async () => {
    const server = await serveFixtures()
    const first = await getJson(server, '/fixtures/fruit.json?_size=3')
    assert.deepEqual(first.body.rows.map((r: any) => r.name), ['apple', 'banana', 'fig'])
    assert.equal(first.body.next, '3')
    const second = await getJson(server, '/fixtures/fruit.json?_size=3&_next=3')
    assert.deepEqual(second.body.rows.map((r: any) => r.name), ['grape,seedless'])
    assert.equal(second.body.next, null)
  })

  it('names are tilde-encoded in URLs: "my table/x" is my+table~2Fx, dots are ~2E', async () => {
    const server = await serveFixtures()
    assert.deepEqual((await getJson(server, '/fixtures/my+table~2Fx.json')).body.rows[1], { id: 2, label: 'name' })
    assert.deepEqual((await getJson(server, '/fixtures/dots~2Eand~2Estuff.json')).body.rows, [{ id: 1, v: 'dotted' }])
    assert.deepEqual((await getJson(server, '/fixtures/my%20table~2Fx.json')).body.rows.length, 2)
  })

  it('an unknown database or table is a 404 JSON error', async () => {
    const server = await serveFixtures()
    const db = await getJson(server, '/nope/items.json')
    assert.equal(db.status, 404)
    assert.equal(db.body.error, 'Database not found: nope')
    const table = await getJson(server, '/fixtures/nope.json')
    assert.deepEqual(table.body, { ok: false, error: 'Table not found: nope', errors: ['Table not found: nope'], status: 404 })
  })

  it('Cache-Control follows default_cache_ttl and _ttl', async () => {
    const server = await serveFixtures({ overrides: [['settings.default_cache_ttl', '30']] })
    assert.equal((await server.get('/fixtures/items.json')).headers.get('cache-control'), 'max-age=30')
    assert.equal((await server.get('/fixtures/items.json?_ttl=0')).headers.get('cache-control'), 'no-cache')
    assert.equal((await getJson(server, '/fixtures/items.json?_ttl=soon')).status, 400)
  })

  it('the table page needs view-table: 403 JSON otherwise', async () => {
    const { serve } = await import('../helpers.ts')
    const { fixtureDb } = await import('./fixtures.ts')
    const { definePlugin } = await import('../../src/define-plugin.ts')
    const onlyItems = definePlugin({
      name: 'only-items',
      hooks: { permissionAllowed: ({ action, resource }) => (action === 'view-table' && Array.isArray(resource) && resource[1] === 'items' ? true : undefined) },
    })
    const server = await serve({ databases: [{ path: fixtureDb() }], plugins: [onlyItems] })
    assert.equal((await getJson(server, '/fixtures/items.json')).status, 200)
    const denied = await getJson(server, '/fixtures/compound.json')
    assert.equal(denied.status, 403)
    assert.equal(denied.body.error, 'You do not have permission to view this table')
  })
})

describe('row JSON', () => {
  it('/DB/TABLE/PK.json gives one row; compound keys comma-joined and tilde-encoded', async () => {
    const server = await serveFixtures()
    const one = await getJson(server, '/fixtures/items/2.json')
    assert.equal(one.body.ok, true)
    assert.deepEqual(one.body.rows.map((r: any) => r.name), ['banana'])
    assert.deepEqual(one.body.primary_keys, ['id'])
    const compound = await getJson(server, '/fixtures/compound/a~2Cb,3.json')
    assert.deepEqual(compound.body.rows, [{ a: 'a,b', b: 3, value: 'comma' }])
    const rowid = await getJson(server, '/fixtures/no_pk/2.json')
    assert.deepEqual(rowid.body.rows, [{ rowid: 2, name: 'two', n: 2 }])
  })

  it('a missing row, or the wrong number of key parts, is a 404', async () => {
    const server = await serveFixtures()
    const missing = await getJson(server, '/fixtures/items/99.json')
    assert.equal(missing.status, 404)
    assert.equal(missing.body.error, 'Record not found: 99')
    assert.equal((await getJson(server, '/fixtures/compound/x.json')).status, 404)
  })
})
