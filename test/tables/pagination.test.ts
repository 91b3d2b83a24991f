import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { getJson, makeDb, serve, tempDir, type TestServer } from '../helpers.ts'
import { allowAll } from './fixtures.ts'

/** Follows next_url from `path` to the end; returns every row and the number of pages. */
async function walk(server: TestServer, path: string) {
  const rows: any[] = []
  let url: string | null = new URL(path, server.url).toString()
  let response: Response
  let pages = 0
  while (url) {
    response = await fetch(url)
    const body = (await response.json()) as { ok: boolean; rows: any[]; next_url: string | null; error?: string }
    assert.equal(response.status, 200, `${url}: ${body.error}`)
    rows.push(...body.rows)
    url = body.next_url
    if (++pages > 1000) throw new Error('pagination does not end')
  }
  return { rows, pages }
}

const SQL = `
create table nums (id integer primary key, grp text, score integer, label text);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 257)
insert into nums select x, char(97 + x % 3), case when x % 7 = 0 then null else (x * 37) % 50 end, 'n' || x from c;
create table pairs (a text, b integer, v integer, primary key (a, b));
with recursive c(x) as (select 1 union all select x + 1 from c where x < 90)
insert into pairs select char(97 + x % 4) || case when x % 5 = 0 then ',' else '' end, x % 23, x from c;
create table plain (v text);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 123) insert into plain select 'r' || x from c;
create table loose (k, v);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 55) insert into loose select x * 3, x from c;
`

async function server() {
  return serve({ databases: [{ path: makeDb(join(tempDir(), 'p.db'), SQL) }], plugins: [allowAll] })
}

const ids = (rows: any[], key = 'id') => rows.map((row) => row[key])
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

describe('keyset pagination: walking next_url returns every row exactly once', () => {
  it('integer primary key', async () => {
    const { rows, pages } = await walk(await server(), '/p/nums.json?_size=20')
    assert.deepEqual(ids(rows), range(257))
    assert.equal(pages, 13)
  })

  it('rowid table', async () => {
    const { rows } = await walk(await server(), '/p/plain.json?_size=10')
    assert.deepEqual(ids(rows, 'rowid'), range(123))
  })

  it('compound primary key, values with commas', async () => {
    const { rows } = await walk(await server(), '/p/pairs.json?_size=7')
    assert.deepEqual(rows.map((r) => r.v).sort((a, b) => a - b), range(90))
    const keys = rows.map((r) => JSON.stringify([r.a, r.b]))
    assert.equal(new Set(keys).size, 90)
    const sorted = [...rows].sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b - y.b))
    assert.deepEqual(rows, sorted, 'in key order')
  })

  it('untyped key column holding integers', async () => {
    const s = await serve({ databases: [{ path: makeDb(join(tempDir(), 'l.db'), 'create table loose (k primary key, v); insert into loose values (3, 1), (20, 2), (100, 3), (7, 4);') }], plugins: [allowAll] })
    const { rows } = await walk(s, '/l/loose.json?_size=1')
    assert.deepEqual(ids(rows, 'k'), [3, 7, 20, 100])
  })

  it('_sort with NULLs: ascending puts NULLs first, every row once', async () => {
    const { rows } = await walk(await server(), '/p/nums.json?_size=9&_sort=score')
    assert.equal(rows.length, 257)
    assert.equal(new Set(ids(rows)).size, 257)
    const nulls = rows.filter((r) => r.score === null)
    assert.equal(nulls.length, 36)
    assert.ok(rows.slice(0, 36).every((r) => r.score === null), 'nulls first')
    for (let i = 37; i < rows.length; i++) {
      const [a, b] = [rows[i - 1], rows[i]]
      assert.ok(a.score < b.score || (a.score === b.score && a.id < b.id), `order at ${i}`)
    }
  })

  it('_sort_desc with NULLs: NULLs last, every row once', async () => {
    const { rows } = await walk(await server(), '/p/nums.json?_size=11&_sort_desc=score')
    assert.equal(new Set(ids(rows)).size, 257)
    assert.ok(rows.slice(-36).every((r) => r.score === null), 'nulls last')
    for (let i = 1; i < 257 - 36; i++) {
      const [a, b] = [rows[i - 1], rows[i]]
      assert.ok(a.score > b.score || (a.score === b.score && a.id < b.id), `order at ${i}`)
    }
  })

  it('_sort on a text column with filters', async () => {
    const { rows } = await walk(await server(), '/p/nums.json?_size=5&_sort=label&grp=b')
    const expected = range(257).filter((x) => x % 3 === 1).map((x) => 'n' + x).sort()
    assert.deepEqual(rows.map((r) => r.label), expected)
  })

  it('_sort on a compound-key table', async () => {
    const { rows } = await walk(await server(), '/p/pairs.json?_size=4&_sort_desc=v')
    assert.deepEqual(rows.map((r) => r.v), range(90).reverse())
  })

  it('_size=max gives max_returned_rows per page', async () => {
    const { body } = await getJson(await server(), '/p/nums.json?_size=max')
    assert.equal(body.rows.length, 257)
    const small = await serve({ databases: [{ path: makeDb(join(tempDir(), 'p.db'), SQL) }], plugins: [allowAll], overrides: [['settings.max_returned_rows', '50']] })
    assert.equal((await getJson(small, '/p/nums.json?_size=max')).body.rows.length, 50)
  })

  it('default_page_size sets the page size', async () => {
    const s = await serve({ databases: [{ path: makeDb(join(tempDir(), 'p.db'), SQL) }], plugins: [allowAll], overrides: [['settings.default_page_size', '17']] })
    assert.equal((await getJson(s, '/p/nums.json')).body.rows.length, 17)
  })
})

describe('pagination: bad input', () => {
  const cases: [string, RegExp][] = [
    ['/p/nums.json?_size=-1', /_size must be a positive integer/],
    ['/p/nums.json?_size=abc', /_size must be a positive integer/],
    ['/p/nums.json?_size=1.5', /_size must be a positive integer/],
    ['/p/nums.json?_size=1001', /_size must be <= 1000/],
    ['/p/nums.json?_size=1&_size=2', /_size was given more than once/],
    ['/p/nums.json?_sort=nope', /Cannot sort table by nope/],
    ['/p/nums.json?_sort_desc=nope', /Cannot sort table by nope/],
    ['/p/nums.json?_sort=id&_sort_desc=score', /Cannot use _sort and _sort_desc at the same time/],
    ['/p/nums.json?_next=1,2', /Invalid _next token/],
    ['/p/pairs.json?_next=a', /Invalid _next token/],
    ['/p/nums.json?_sort=score&_next=5', /Invalid _next token/],
  ]
  for (const [path, error] of cases) {
    it(`${path} → 400`, async () => {
      const { status, body } = await getJson(await server(), path)
      assert.equal(status, 400)
      assert.match(body.error, error)
      assert.equal(body.ok, false)
    })
  }
})
