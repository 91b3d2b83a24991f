import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { getJson, makeDb, serve, tempDir } from '../helpers.ts'
import { allowAll } from './fixtures.ts'

// A database with foreign keys, a rowid table, JSON arrays and dates: Datasette's facetable, in small.
const SQL = `
create table cities (id integer primary key, name text);
insert into cities values (1, 'Paris'), (2, 'Berlin'), (3, 'Rome');
create table places (pk integer primary key, city_id integer references cities(id), category text, tags text, created text, score real);
insert into places values
  (1, 1, 'museum', '["art","old"]', '2024-01-05 10:00', 1.5),
  (2, 1, 'museum', '["art"]', '2024-01-05 11:00', 2.0),
  (3, 2, 'park', '["green"]', '2024-01-06 09:00', 3.0),
  (4, 2, 'museum', '["old"]', '2024-01-07 09:00', null),
  (5, 3, 'park', '[]', '2024-01-07 10:00', 4.5),
  (6, 3, 'cafe', '["coffee","old"]', null, 5.0);
create table notes (body text);
insert into notes values ('first'), ('second');
create table secret (id integer primary key);
`

async function world() {
  const db = makeDb(join(tempDir(), 'shapes.db'), SQL)
  return serve({ databases: [{ path: db }], plugins: [allowAll] })
}

describe("Datasette's row page", () => {
  it('ok, database, table, rows, primary_keys, primary_key_values, query_ms, truncated — in that order', async () => {
    const { status, body } = await getJson(await world(), '/shapes/places/3.json')
    assert.equal(status, 200)
    assert.deepEqual(Object.keys(body), ['ok', 'database', 'table', 'rows', 'primary_keys', 'primary_key_values', 'query_ms', 'truncated'])
    assert.deepEqual(body.rows, [{ pk: 3, city_id: 2, category: 'park', tags: '["green"]', created: '2024-01-06 09:00', score: 3.0 }])
    assert.deepEqual(body.primary_keys, ['pk'])
    assert.deepEqual(body.primary_key_values, ['3'])
    assert.equal(typeof body.query_ms, 'number')
    assert.equal(body.truncated, false)
  })

  it('a rowid table has primary_keys ["rowid"], and rowid comes first', async () => {
    const { body } = await getJson(await world(), '/shapes/notes/2.json')
    assert.deepEqual(body.primary_keys, ['rowid'])
    assert.deepEqual(body.rows, [{ rowid: 2, body: 'second' }])
  })

  it('row extras: columns, foreign_key_tables; an unknown extra is a 400', async () => {
    const server = await world()
    const { body } = await getJson(server, '/shapes/cities/1.json?_extra=columns,foreign_key_tables')
    assert.deepEqual(body.columns, ['id', 'name'])
    assert.deepEqual(body.foreign_key_tables, [{ other_table: 'places', column: 'id', other_column: 'city_id', count: 2, link: '/shapes/places?city_id=1' }])
    const bad = await getJson(server, '/shapes/cities/1.json?_extra=count')
    assert.equal(bad.status, 400)
    assert.match(bad.body.error, /Unknown _extra: count/)
  })
})

describe("Datasette's table extras", () => {
  it('_extra=count brings count_truncated; repeated _col keeps the order asked for, after the key', async () => {
    const server = await world()
    const { body } = await getJson(server, '/shapes/places.json?_extra=count&_col=score&_col=category&_size=1')
    assert.equal(body.count, 6)
    assert.equal(body.count_truncated, false)
    assert.deepEqual(Object.keys(body.rows[0]), ['pk', 'score', 'category'])
    assert.deepEqual(Object.keys(body).slice(0, 3), ['ok', 'next', 'next_url'])
    assert.deepEqual(Object.keys(body).slice(-2), ['rows', 'truncated'])
  })

  it('column_details, all_columns, database_color, expandable_columns, extras', async () => {
    const { body } = await getJson(await world(), '/shapes/places.json?_size=0&_extra=column_details,all_columns,database_color,expandable_columns,extras')
    assert.deepEqual(body.column_details.score, { type: 'REAL', sqlite_type: 'REAL', notnull: false, default: null, is_pk: false, pk_position: 0, hidden: 0 })
    assert.deepEqual(body.column_details.pk.is_pk, true)
    assert.deepEqual(body.all_columns, ['pk', 'city_id', 'category', 'tags', 'created', 'score'])
    assert.match(body.database_color, /^[0-9a-f]{6}$/)
    assert.deepEqual(body.expandable_columns, [[{ other_table: 'cities', column: 'city_id', other_column: 'id' }, 'name']])
    const count = body.extras.find((extra: any) => extra.name === 'count')
    assert.equal(count.selected, false)
    assert.match(count.toggle_url, /_extra=column_details%2Call_columns%2Cdatabase_color%2Cexpandable_columns%2Cextras%2Ccount$/)
    assert.equal(body.extras.find((extra: any) => extra.name === 'extras').selected, true)
  })
})

describe('facets', () => {
  it('_facet=COLUMN: facet_results with counts, labels from foreign keys, toggle URLs and selection', async () => {
    const server = await world()
    const { status, body } = await getJson(server, '/shapes/places.json?_facet=category&_facet=city_id&_size=0')
    assert.equal(status, 200, JSON.stringify(body))
    const category = body.facet_results.results.category
    assert.equal(category.name, 'category')
    assert.equal(category.type, 'column')
    assert.equal(category.hideable, true)
    assert.equal(category.truncated, false)
    assert.equal(category.toggle_url, '/shapes/places.json?_facet=city_id&_size=0')
    assert.deepEqual(category.results.map((r: any) => [r.value, r.count, r.selected]), [['museum', 3, false], ['park', 2, false], ['cafe', 1, false]])
    assert.match(category.results[0].toggle_url, /^http:\/\/127\.0\.0\.1:\d+\/shapes\/places\.json\?_facet=category&_facet=city_id&_size=0&category=museum$/)
    const cities = body.facet_results.results.city_id.results
    assert.deepEqual(cities.map((r: any) => [r.value, r.label, r.count]), [[1, 'Paris', 2], [2, 'Berlin', 2], [3, 'Rome', 2]])
    assert.deepEqual(body.facet_results.timed_out, [])
    const selected = await getJson(server, '/shapes/places.json?_facet=category&category=park')
    assert.deepEqual(selected.body.facet_results.results.category.results.map((r: any) => [r.value, r.count, r.selected]), [['park', 2, true]])
    assert.doesNotMatch(selected.body.facet_results.results.category.results[0].toggle_url, /category=park/)
  })

  it('_facet_array and _facet_date', async () => {
    const server = await world()
    const { body } = await getJson(server, '/shapes/places.json?_facet_array=tags&_facet_date=created&_size=0')
    assert.deepEqual(body.facet_results.results.tags.results.map((r: any) => [r.value, r.count]), [['old', 3], ['art', 2], ['coffee', 1], ['green', 1]])
    assert.match(body.facet_results.results.tags.results[0].toggle_url, /tags__arraycontains=old$/)
    assert.deepEqual(body.facet_results.results.created.results.map((r: any) => [r.value, r.count]), [['2024-01-05', 2], ['2024-01-07', 2], ['2024-01-06', 1]])
    assert.match(body.facet_results.results.created.results[0].toggle_url, /created__date=2024-01-05$/)
  })

  it('an unknown facet column or type is a 400, never a 500; facets can be turned off', async () => {
    const server = await world()
    for (const [path, error] of [
      ['/shapes/places.json?_facet=nope', /Cannot facet by nope: no such column/],
      ['/shapes/places.json?_facet_array=constructor', /Cannot facet by constructor/],
      ['/shapes/places.json?_facet_bogus=category', /Unknown facet type: _facet_bogus/],
      ['/shapes/places.json?_facet={"column":', /Invalid facet/],
    ] as const) {
      const { status, body } = await getJson(server, path)
      assert.equal(status, 400, path)
      assert.match(body.error, error)
    }
    const db = makeDb(join(tempDir(), 'off.db'), SQL)
    const off = await serve({ databases: [{ path: db }], plugins: [allowAll], overrides: [['settings.allow_facet', 'false']] })
    const refused = await getJson(off, '/off/places.json?_facet=category')
    assert.equal(refused.status, 400)
    assert.match(refused.body.error, /_facet= is not allowed/)
  })

  it('_extra=suggested_facets suggests repeated columns, dates and arrays of strings', async () => {
    const { body } = await getJson(await world(), '/shapes/places.json?_extra=suggested_facets&_size=0')
    const suggested = body.suggested_facets.map((s: any) => `${s.type ?? 'column'}:${s.name}`)
    assert.deepEqual(suggested, ['column:city_id', 'column:category', 'date:created', 'array:tags'])
    assert.match(body.suggested_facets[0].toggle_url, /_facet=city_id$/)
  })

  it('a facet that runs past facet_time_limit_ms is reported in timed_out, and the page still answers', async () => {
    const rows = 'with recursive c(x) as (select 1 union all select x + 1 from c where x < 300000) insert into big select x, x % 1000, hex(randomblob(16)) from c;'
    const db = makeDb(join(tempDir(), 'slow.db'), `create table big (id integer primary key, n integer, t text); ${rows}`)
    const server = await serve({ databases: [{ path: db }], plugins: [allowAll], overrides: [['settings.facet_time_limit_ms', '1']] })
    const { status, body } = await getJson(server, '/slow/big.json?_facet=t&_size=1&_extra=facets_timed_out')
    assert.equal(status, 200)
    assert.deepEqual(body.facet_results.timed_out, ['t'])
    assert.deepEqual(body.facets_timed_out, ['t'])
    assert.deepEqual(body.facet_results.results, {})
  })
})

describe('foreign-key labels', () => {
  it('_labels=on expands every foreign key, _label=COLUMN one; CSV gets a COLUMN_label column', async () => {
    const server = await world()
    const all = await getJson(server, '/shapes/places.json?_labels=on&_col=city_id&_size=2')
    assert.deepEqual(all.body.rows, [{ pk: 1, city_id: { value: 1, label: 'Paris' } }, { pk: 2, city_id: { value: 1, label: 'Paris' } }])
    const one = await getJson(server, '/shapes/places.json?_label=city_id&_col=city_id&_size=1')
    assert.deepEqual(one.body.rows[0].city_id, { value: 1, label: 'Paris' })
    const csv = await (await server.get('/shapes/places.csv?_labels=on&_col=city_id&_size=2')).text()
    assert.equal(csv, 'pk,city_id,city_id_label\r\n1,1,Paris\r\n2,1,Paris\r\n')
  })

  it('a label from a table the actor may not view is not shown', async () => {
    const db = makeDb(join(tempDir(), 'shapes.db'), SQL)
    const noCities = definePlugin({ name: 'no-cities', hooks: { permissionAllowed: ({ resource }) => !(Array.isArray(resource) && resource[1] === 'cities') } })
    const server = await serve({ databases: [{ path: db }], plugins: [noCities] })
    const { body } = await getJson(server, '/shapes/places.json?_labels=on&_col=city_id&_size=1')
    assert.deepEqual(body.rows[0].city_id, 1)
  })
})

describe('schema pages, as dclient schema reads them', () => {
  it('/-/schema, /DB/-/schema and /DB/TABLE/-/schema, as JSON and Markdown', async () => {
    const server = await world()
    const instance = await getJson(server, '/-/schema.json')
    assert.equal(instance.body.ok, true)
    assert.equal(instance.body.schemas[0].database, 'shapes')
    assert.match(instance.body.schemas[0].schema, /^CREATE TABLE cities \(id integer primary key, name text\);\nCREATE TABLE places/)
    const database = await getJson(server, '/shapes/-/schema.json')
    assert.deepEqual(Object.keys(database.body), ['ok', 'database', 'schema'])
    const table = await getJson(server, '/shapes/cities/-/schema.json')
    assert.deepEqual(table.body, { ok: true, database: 'shapes', table: 'cities', schema: 'CREATE TABLE cities (id integer primary key, name text)' })
    const md = await server.get('/shapes/cities/-/schema.md')
    assert.equal(md.headers.get('content-type'), 'text/markdown; charset=utf-8')
    assert.equal(await md.text(), '# Schema for shapes.cities\n\n```sql\nCREATE TABLE cities (id integer primary key, name text)\n```\n')
    assert.equal((await getJson(server, '/shapes/nope/-/schema.json')).status, 404)
  })

  it('a table the actor may not view is left out of the database schema', async () => {
    const db = makeDb(join(tempDir(), 'shapes.db'), SQL)
    const noSecret = definePlugin({ name: 'no-secret', hooks: { permissionAllowed: ({ resource }) => !(Array.isArray(resource) && resource[1] === 'secret') } })
    const server = await serve({ databases: [{ path: db }], plugins: [noSecret] })
    const { body } = await getJson(server, '/shapes/-/schema.json')
    assert.doesNotMatch(body.schema, /secret/)
    assert.equal((await getJson(server, '/shapes/secret/-/schema.json')).status, 403)
  })
})

describe('paths that are not there', () => {
  it('unknown /-/ paths are plain 404s; GET /-/logout says to POST', async () => {
    const server = await world()
    for (const path of ['/-/nope', '/-/nope.json', '/-/', '/shapes/-/nope', '/shapes/-/nope.json']) {
      const { status, body } = await getJson(server, path)
      assert.equal(status, 404, path)
      assert.equal(body.error, 'Not found', path)
    }
    const logout = await getJson(server, '/-/logout')
    assert.equal(logout.status, 405)
    assert.equal(logout.headers.get('allow'), 'POST')
  })
})
