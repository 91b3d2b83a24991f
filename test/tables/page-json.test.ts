// Table pages serialised inside SQLite (src/builtins/tables/page-json.ts): the same rows,
// keys and next tokens as the JavaScript renderer, for the values that are easy to get wrong.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { getJson, makeDb, serve, tempDir, type TestServer } from '../helpers.ts'
import { allowAll, fixtureDb } from './fixtures.ts'

const TRICKY = [
  'plain',
  'a},{"id":99}',
  '},{"',
  'back\\slash\\',
  'quote " and \' apostrophe',
  'line\nbreak\r\ttab',
  'ünïcödé ✓ 😀',
  '[{"json": "looking"}]',
  '',
]

const wideColumns = Array.from({ length: 70 }, (_, i) => `c${i}`)

function trickyDb(): string {
  const values = TRICKY.map((text, i) => `(${i + 1}, '${text.replace(/'/g, "''")}', ${i % 3 === 0 ? 'null' : `'${String.fromCharCode(97 + (i % 4))}'`})`).join(', ')
  return makeDb(
    join(tempDir(), 'tricky.db'),
    `create table texts (id integer primary key, label text, grp text);
     insert into texts values ${values};
     create table numbers (id integer primary key, r real, n integer);
     insert into numbers values (1, 0.1 + 0.2, 9007199254740991), (2, 1e-7, -9007199254740991), (3, 1e21, 0),
       (4, 37.0, 9223372036854775807), (5, -0.5, -9223372036854775808), (6, 123456789.123456789, 42);
     create table inf (id integer primary key, r real);
     insert into inf values (1, 1.5), (2, 1e308 * 10), (3, -1e308 * 10);
     create table late_blob (id integer primary key, v);
     insert into late_blob values (1, 'text'), (2, 2.5), (3, x'0102'), (4, 'after');
     create table "odd ""names""" ("it's" integer primary key, "a,b" text, "x""y" text, "{}" text);
     insert into "odd ""names""" values (1, 'one', 'two', 'three');
     create table wide (${wideColumns.map((c) => `${c} integer`).join(', ')});
     insert into wide values (${wideColumns.map((_, i) => i).join(', ')});`,
  )
}

async function walk(server: TestServer, path: string): Promise<any[]> {
  const rows: any[] = []
  let url: string | null = new URL(path, server.url).toString()
  for (let pages = 0; url && pages < 100; pages++) {
    const response: Response = await fetch(url)
    const body = (await response.json()) as { rows: any[]; next_url: string | null }
    assert.equal(response.status, 200, JSON.stringify(body))
    rows.push(...body.rows)
    url = body.next_url
  }
  return rows
}

describe('table pages serialised by SQLite', () => {
  it('text that looks like JSON or row boundaries comes back exactly, on every page size', async () => {
    const server = await serve({ databases: [{ path: trickyDb() }], plugins: [allowAll] })
    for (const size of [1, 2, 3, 100]) {
      const rows = await walk(server, `/tricky/texts.json?_size=${size}`)
      assert.deepEqual(rows.map((row) => row.label), TRICKY, `_size=${size}`)
    }
  })

  it('sorting by a text column with row-boundary text walks every row once, NULLs included', async () => {
    const server = await serve({ databases: [{ path: trickyDb() }], plugins: [allowAll] })
    for (const sort of ['_sort=label', '_sort_desc=label', '_sort=grp', '_sort_desc=grp']) {
      const rows = await walk(server, `/tricky/texts.json?_size=2&${sort}`)
      assert.deepEqual(rows.map((row) => row.id).sort((a, b) => a - b), TRICKY.map((_, i) => i + 1), sort)
    }
    const sorted = await walk(server, '/tricky/texts.json?_size=2&_sort=label')
    assert.deepEqual(sorted.map((row) => row.label), [...TRICKY].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b)))))
  })

  it('REALs read back as the same doubles, written as Datasette writes floats; integers are exact', async () => {
    const server = await serve({ databases: [{ path: trickyDb() }], plugins: [allowAll] })
    const response = await server.get('/tricky/numbers.json')
    const text = await response.text()
    const body = JSON.parse(text)
    assert.deepEqual(body.rows.map((row: any) => row.r), [0.1 + 0.2, 1e-7, 1e21, 37, -0.5, 123456789.123456789])
    // Exact 64-bit integers, as Datasette (Python) writes them; JSON.parse rounds them.
    assert.match(text, /"n":9223372036854775807\}/)
    assert.match(text, /"n":-9223372036854775808\}/)
    // A REAL with no fraction keeps its ".0" (Python writes 37.0 too).
    assert.match(text, /"r":37\.0,/)
  })

  it('±Infinity is null, as on every other path', async () => {
    const server = await serve({ databases: [{ path: trickyDb() }], plugins: [allowAll] })
    const { body } = await getJson(server, '/tricky/inf.json')
    assert.deepEqual(body.rows, [
      { id: 1, r: 1.5 },
      { id: 2, r: null },
      { id: 3, r: null },
    ])
  })

  it('a BLOB on a later page is still {"$base64": …}; pages around it are unchanged', async () => {
    const server = await serve({ databases: [{ path: trickyDb() }], plugins: [allowAll] })
    const first = await getJson(server, '/tricky/late_blob.json?_size=2')
    assert.deepEqual(first.body.rows, [
      { id: 1, v: 'text' },
      { id: 2, v: 2.5 },
    ])
    assert.equal(first.body.next, '2')
    const rows = await walk(server, '/tricky/late_blob.json?_size=1')
    assert.deepEqual(rows, [
      { id: 1, v: 'text' },
      { id: 2, v: 2.5 },
      { id: 3, v: { $base64: true, encoded: 'AQI=' } },
      { id: 4, v: 'after' },
    ])
  })

  it('column names with quotes, commas and braces are keys as they are', async () => {
    const server = await serve({ databases: [{ path: trickyDb() }], plugins: [allowAll] })
    const { status, body } = await getJson(server, `/tricky/${encodeURIComponent('odd "names"').replace(/%20/g, '+').replace(/%22/g, '~22')}.json`)
    assert.equal(status, 200, JSON.stringify(body))
    assert.deepEqual(body.rows, [{ "it's": 1, 'a,b': 'one', 'x"y': 'two', '{}': 'three' }])
  })

  it('a table wider than json_object() accepts is served all the same', async () => {
    const server = await serve({ databases: [{ path: trickyDb() }], plugins: [allowAll] })
    const { status, body } = await getJson(server, '/tricky/wide.json')
    assert.equal(status, 200, JSON.stringify(body))
    assert.deepEqual(Object.keys(body.rows[0]), ['rowid', ...wideColumns])
    assert.equal(body.rows[0].c69, 69)
  })

  it('SQLite refusing the query (a raw search with bad FTS syntax) is a 400, not a 500', async () => {
    const server = await serve({ databases: [{ path: fixtureDb() }], plugins: [allowAll] })
    const { status, body } = await getJson(server, '/fixtures/items.json?_search=%22unbalanced&_searchmode=raw')
    assert.equal(status, 400, JSON.stringify(body))
    assert.equal(body.ok, false)
  })

  it('_size=0 is an empty page with no next page, as with every other shape', async () => {
    const server = await serve({ databases: [{ path: trickyDb() }], plugins: [allowAll] })
    for (const shape of ['objects', 'array', 'arrays']) {
      const { status, body } = await getJson(server, `/tricky/texts.json?_size=0&_shape=${shape}`)
      assert.equal(status, 200, JSON.stringify(body))
      assert.deepEqual(shape === 'array' ? body : [body.rows, body.next], shape === 'array' ? [] : [[], null])
    }
  })

  it('_shape=array is the bare list, with the next page in the Link header', async () => {
    const server = await serve({ databases: [{ path: trickyDb() }], plugins: [allowAll] })
    const response = await server.get('/tricky/texts.json?_shape=array&_size=2&_col=label')
    const body = await response.json()
    assert.deepEqual(body, [
      { id: 1, label: 'plain' },
      { id: 2, label: 'a},{"id":99}' },
    ])
    assert.equal(response.headers.get('link'), `<${server.url}tricky/texts.json?_shape=array&_size=2&_col=label&_next=2>; rel="next"`)
  })
})

describe('SQLite-serialised pages match the JavaScript renderer', () => {
  const cases: [string, string[]][] = [
    ['items', ['', '_size=2', '_sort=name&_size=3', '_sort_desc=price&_size=2', 'category=fruit&_size=2', '_col=name&_size=2', '_nocol=tags', 'price__gt=1&_sort=price']],
    ['compound', ['', '_size=2', '_sort=value&_size=2', 'a=x']],
    ['no_pk', ['', '_size=1', '_sort_desc=n&_size=2']],
    ['untyped', ['', '_size=1', '_sort=v&_size=3']],
    ['my table~2Fx', ['', '_size=1']],
    ['fruit', ['', '_size=2', '_sort=price&_size=2']],
    ['docs', ['_search=brown', '_search=brown&_size=1']],
    ['items_fts', ['_size=3', '_search=fig']],
  ]
  for (const [table, queries] of cases) {
    it(`${table}: the same rows and next tokens, page by page`, async () => {
      const server = await serve({ databases: [{ path: fixtureDb() }], plugins: [allowAll] })
      for (const query of queries) {
        // `_shape=arrays` always takes the JavaScript path; the default shape takes SQLite's where it can.
        let objects: string | null = `/fixtures/${table}.json?${query}`
        let arrays: string | null = `/fixtures/${table}.json?${query}&_shape=arrays&_extra=columns`
        for (let page = 0; objects && arrays && page < 20; page++) {
          const a = await getJson(server, objects)
          const b = await getJson(server, arrays)
          assert.equal(a.status, b.status, `${table}?${query}: ${JSON.stringify(a.body)}`)
          if (a.status !== 200) break
          const expected = b.body.rows.map((row: unknown[]) => Object.fromEntries(b.body.columns.map((column: string, i: number) => [column, row[i]])))
          assert.deepEqual(a.body.rows, expected, `${table}?${query} page ${page}`)
          assert.equal(a.body.next, b.body.next, `${table}?${query} page ${page}`)
          objects = a.body.next_url && new URL(a.body.next_url).pathname + new URL(a.body.next_url).search
          arrays = b.body.next_url && new URL(b.body.next_url).pathname + new URL(b.body.next_url).search
        }
      }
    })
  }
})
