import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { getJson } from '../helpers.ts'
import { serveFixtures } from './fixtures.ts'

// items: 1 apple fruit 1.5 | 2 banana fruit 0.25 note='' | 3 carrot vegetable 3.0 | 4 daikon vegetable null price
//        5 eggplant null category 2.0 | 6 fig fruit 4.75 | 7 'grape,seedless' fruit 2.5 tags null created null
const cases: [string, number[]][] = [
  ['category=fruit', [1, 2, 6, 7]],
  ['category__exact=fruit', [1, 2, 6, 7]],
  ['category__not=fruit', [3, 4]],
  ['name__contains=an', [2, 5]],
  ['name__notcontains=a', [6]],
  ['name__startswith=d', [4]],
  ['name__endswith=t', [3, 5]],
  ['price__gt=2', [3, 6, 7]],
  ['price__gte=2', [3, 5, 6, 7]],
  ['price__lt=2', [1, 2]],
  ['price__lte=1.5', [1, 2]],
  ['name__like=%25pp%25', [1]],
  ['name__notlike=%25a%25', [6]],
  ['name__glob=*[gp]*', [1, 5, 6, 7]],
  ['id__in=1,3,5', [1, 3, 5]],
  ['name__in=["grape,seedless","fig"]', [6, 7]],
  ['id__notin=1,2,3,4,5', [6, 7]],
  ['name__notin=["grape,seedless"]', [1, 2, 3, 4, 5, 6]],
  ['tags__arraycontains=sweet', [1, 6]],
  ['tags__arraynotcontains=purple', [1, 2, 3, 4, 7]],
  ['created__date=2024-02-01', [3, 4]],
  ['note__isnull=1', [1, 7]],
  ['note__notnull=1', [2, 3, 4, 5, 6]],
  ['note__isblank=1', [1, 2, 7]],
  ['note__notblank=1', [3, 4, 5, 6]],
  ['category__isnull=1&price__notnull=1', [5]],
  ['category=fruit&price__gt=1', [1, 6, 7]],
  ['note__exact=', [2]],
  ['id__gt=5', [6, 7]],
  ['_search=apple', [1]],
]

describe('filters: every Datasette operation', () => {
  for (const [query, expected] of cases) {
    it(`${query} → ${JSON.stringify(expected)}`, async () => {
      const server = await serveFixtures()
      const { status, body } = await getJson(server, `/fixtures/items.json?${query.replace(/\[|\]|"/g, encodeURIComponent)}&_col=name`)
      assert.equal(status, 200, body.error)
      assert.deepEqual(body.rows.map((row: { id: number }) => row.id), expected)
    })
  }

  it('a column starting with _ is filtered with __exact', async () => {
    const { serve, makeDb, tempDir } = await import('../helpers.ts')
    const { allowAll } = await import('./fixtures.ts')
    const { join } = await import('node:path')
    const server = await serve({ databases: [{ path: makeDb(join(tempDir(), 'u.db'), "create table t (id integer primary key, _private text); insert into t values (1, 'a'), (2, 'b');") }], plugins: [allowAll] })
    assert.deepEqual((await getJson(server, '/u/t.json?_private__exact=b')).body.rows, [{ id: 2, _private: 'b' }])
  })
})

describe('filters: bad input is a 400, never ignored', () => {
  const bad: [string, RegExp][] = [
    ['nope=1', /Cannot filter on column "nope": no such column/],
    ['nope__gt=1', /Cannot filter on column "nope"/],
    ['name__in=[1,', /name__in: not a valid JSON list/],
    ['name__in=[{"a":1}]', /expected a JSON list of values/],
    ['_where=1=1', /_where= is not allowed/],
  ]
  for (const [query, error] of bad) {
    it(`${query} → 400`, async () => {
      const { definePlugin } = await import('../../src/define-plugin.ts')
      const noSql = definePlugin({ name: 'no-sql', hooks: { permissionAllowed: ({ action }) => (action === 'execute-sql' ? false : undefined) } })
      const server = await serveFixtures({ plugins: [noSql] })
      const { status, body } = await getJson(server, `/fixtures/items.json?${query}`)
      assert.equal(status, 400)
      assert.match(body.error, error)
    })
  }

  it('an unknown operation is treated as part of the column name, and so is an unknown column', async () => {
    const { status, body } = await getJson(await serveFixtures(), '/fixtures/items.json?name__sounds=x')
    assert.equal(status, 400)
    assert.match(body.error, /no such column/)
  })
})

describe('_where', () => {
  it('adds SQL fragments when execute-sql is allowed', async () => {
    const { body } = await getJson(await serveFixtures(), `/fixtures/items.json?_where=${encodeURIComponent('price > 2')}&_where=${encodeURIComponent("category = 'fruit'")}&_col=name&_extra=count`)
    assert.deepEqual(body.rows.map((r: any) => r.id), [6, 7])
    assert.equal(body.count, 2)
  })

  it('invalid SQL in _where is a 400 with the SQLite message', async () => {
    const { status, body } = await getJson(await serveFixtures(), `/fixtures/items.json?_where=${encodeURIComponent('price >>> 2')}`)
    assert.equal(status, 400)
    assert.match(body.error, /syntax error/)
  })
})

describe('full-text search', () => {
  it('FTS5 with content= is detected: _search matches words, quoting user syntax', async () => {
    const server = await serveFixtures()
    assert.deepEqual((await getJson(server, '/fixtures/items.json?_search=crunchy')).body.rows.map((r: any) => r.id), [3])
    assert.deepEqual((await getJson(server, '/fixtures/items.json?_search=' + encodeURIComponent('"hi'))).body.rows.map((r: any) => r.id), [4])
  })

  it('FTS4 is detected too, and _search_COLUMN searches one column', async () => {
    const server = await serveFixtures()
    assert.deepEqual((await getJson(server, '/fixtures/docs.json?_search=brown')).body.rows.map((r: any) => r.id), [1, 3])
    assert.deepEqual((await getJson(server, '/fixtures/docs.json?_search_title=fox*&_searchmode=raw')).body.rows.map((r: any) => r.id), [3])
  })

  it('_search on a table without FTS is a 400', async () => {
    const { status, body } = await getJson(await serveFixtures(), '/fixtures/compound.json?_search=x')
    assert.equal(status, 400)
    assert.match(body.error, /not configured for full-text search/)
  })

  it('FTS tables are listed as hidden with their fts_table link', async () => {
    const { body } = await getJson(await serveFixtures(), '/fixtures.json')
    const byName = Object.fromEntries(body.tables.map((t: any) => [t.name, t]))
    assert.equal(byName.items.fts_table, 'items_fts')
    assert.equal(byName.docs.fts_table, 'docs_fts')
    assert.equal(byName.items_fts.hidden, true)
    assert.equal(byName.items_fts_data.hidden, true)
    assert.equal(byName.items.hidden, false)
  })
})
