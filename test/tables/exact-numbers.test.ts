import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { makeDb, serve, tempDir } from '../helpers.ts'
import { allowAll } from './fixtures.ts'

// Values Python's json and csv modules (and so Datasette) write back exactly as stored.
const VALUES: [sql: string, text: string][] = [
  ['9007199254740993', '9007199254740993'], // 2^53 + 1
  ['-9223372036854775808', '-9223372036854775808'], // -2^63
  ['9223372036854775807', '9223372036854775807'], // 2^63 - 1
  ['1e-7', '1e-07'],
  ['12.0', '12.0'],
  ['1e308', '1e+308'],
  ['0.30000000000000004', '0.30000000000000004'],
  ['1e16', '1e+16'],
  ['-0.5', '-0.5'],
]

async function numbersServer(withBlob = false) {
  const rows = VALUES.map(([sql], i) => `(${i + 1}, ${sql}, ${withBlob ? "x'00'" : 'null'})`).join(', ')
  const db = makeDb(join(tempDir(), 'n.db'), `create table n (id integer primary key, v, b); insert into n values ${rows}; create table big (k integer primary key, label text); insert into big values (9223372036854775807, 'max'), (-9223372036854775808, 'min'), (9007199254740993, 'odd');`)
  return serve({ databases: [{ path: db }], plugins: [allowAll] })
}

/** The text of every value in `body`, in order, whatever the shape put around them. */
function valueTexts(body: string, format: 'json' | 'csv'): string[] {
  if (format === 'csv') return body.trim().split('\r\n').slice(1).map((line) => line.split(',')[1]!)
  return [...body.matchAll(/"v":(-?[\d.e+-]+)|\[\d+,(-?[\d.e+-]+)/g)].map((m) => m[1] ?? m[2]!)
}

describe('numbers come back as stored, on every JSON and CSV path', () => {
  const expected = VALUES.map(([, text]) => text)
  const paths: [string, 'json' | 'csv'][] = [
    ['/n/n.json?_col=v', 'json'],
    ['/n/n.json?_col=v&_shape=array', 'json'],
    ['/n/n.json?_col=v&_shape=array&_nl=on', 'json'],
    ['/n/n.json?_col=v&_shape=arrays', 'json'],
    ['/n/n.json?_col=v&_shape=object', 'json'],
    ['/n/n.json?_col=v&_where=1', 'json'],
    ['/n/n.json?_col=v&_json_infinity=on', 'json'],
    ['/n/n.csv?_col=v', 'csv'],
    ['/n/n.csv?_col=v&_stream=on', 'csv'],
    ['/n/n.csv?_col=v&_stream=on&_where=1', 'csv'],
    ['/n/-/query.json?sql=select+id,+v+from+n+order+by+id', 'json'],
    ['/n/-/query.json?sql=select+id,+v+from+n+order+by+id&_shape=array', 'json'],
    ['/n/-/query.json?sql=select+id,+v+from+n+order+by+id&_shape=arrays', 'json'],
    ['/n/-/query.csv?sql=select+id,+v+from+n+order+by+id', 'csv'],
  ]
  for (const withBlob of [false, true]) {
    it(`table, query and CSV paths${withBlob ? ' (a table holding BLOBs, rendered in JavaScript)' : ''}`, async () => {
      const server = await numbersServer(withBlob)
      for (const [path, format] of paths) {
        const response = await server.get(path)
        const body = await response.text()
        assert.equal(response.status, 200, `${path}: ${body}`)
        assert.deepEqual(valueTexts(body, format), expected, path)
      }
    })
  }

  it('row pages, _shape=arrayfirst, and 64-bit primary keys in URLs and next tokens', async () => {
    const server = await numbersServer()
    for (const [i, [, text]] of VALUES.entries()) {
      const body = await (await server.get(`/n/n/${i + 1}.json`)).text()
      assert.match(body, new RegExp(`"v":${text.replace(/[.+]/g, '\\$&')}[,}]`), `row ${i + 1}`)
    }
    const first = await (await server.get('/n/-/query.json?sql=select+v+from+n+order+by+id&_shape=arrayfirst')).text()
    assert.equal(first, `[${VALUES.map(([, text]) => text).join(',')}]`)
    assert.match(await (await server.get('/n/big/9223372036854775807.json')).text(), /"label":"max"/)
    assert.match(await (await server.get('/n/big/-9223372036854775808.json')).text(), /"label":"min"/)
    assert.match(await (await server.get('/n/big/9007199254740993.json')).text(), /"label":"odd"/)
    assert.equal((await server.get('/n/big/9007199254740992.json')).status, 404, 'no rounding onto a neighbour')
    // Keyset pagination over 64-bit keys: every row once.
    const seen: string[] = []
    let url: string | null = '/n/big.json?_size=1'
    while (url) {
      const page: { rows: { label: string }[]; next_url: string | null } = JSON.parse(await (await server.get(url)).text())
      seen.push(...page.rows.map((row) => row.label))
      url = page.next_url
    }
    assert.deepEqual(seen, ['min', 'odd', 'max'])
    for (const huge of ['99999999999999999999999', '-99999999999999999999999']) {
      assert.equal((await server.get(`/n/big.json?_next=${huge}`)).status, 200, `_next=${huge}`)
      assert.equal((await server.get(`/n/big/${huge}.json`)).status, 404)
    }
    const keys = await (await server.get('/n/big.json?_shape=arrays&_col=label')).text()
    assert.match(keys, /\[-9223372036854775808,"min"\],\[9007199254740993,"odd"\],\[9223372036854775807,"max"\]/)
  })
})
