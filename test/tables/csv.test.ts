import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { csvLine, pythonFloat } from '../../src/builtins/tables/render-csv.ts'
import { getJson } from '../helpers.ts'
import { serveFixtures } from './fixtures.ts'

describe('CSV', () => {
  it('a table page as CSV: header, CRLF, RFC 4180 quoting, unicode, NULL empty, REAL as Python prints it', async () => {
    const server = await serveFixtures()
    const response = await server.get('/fixtures/items.csv?_nocol=data&_nocol=tags')
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8')
    assert.equal(
      await response.text(),
      [
        'id,name,price,category,created,note',
        '1,apple,1.5,fruit,2024-01-05 10:00:00,',
        '2,banana,0.25,fruit,2024-01-06 11:00:00,',
        '3,carrot,3.0,vegetable,2024-02-01 09:30:00,"orange, crunchy"',
        '4,daikon,,vegetable,2024-02-01 18:00:00,"said ""hi"""',
        '5,eggplant,2.0,,2024-03-10 08:00:00,"line1\nline2"',
        '6,fig,4.75,fruit,2024-03-11 12:00:00,ünïcödé ✓',
        '7,"grape,seedless",2.5,fruit,,',
        '',
      ].join('\r\n'),
    )
  })

  it('_header=off drops the header; filters, sort and size apply as for JSON', async () => {
    const server = await serveFixtures()
    const text = await (await server.get('/fixtures/items.csv?_header=off&category=fruit&_sort_desc=price&_size=2&_col=name')).text()
    assert.equal(text, '6,fig\r\n7,"grape,seedless"\r\n')
  })

  it('_dl=1 makes it a text/csv download named after the table', async () => {
    const response = await (await serveFixtures()).get('/fixtures/my+table~2Fx.csv?_dl=1')
    assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8')
    assert.equal(response.headers.get('content-disposition'), 'attachment; filename="my table/x.csv"')
  })

  it('rowid tables include rowid; the next page is in the Link header', async () => {
    const response = await (await serveFixtures()).get('/fixtures/no_pk.csv?_size=2')
    assert.equal(await response.text(), 'rowid,name,n\r\n1,one,1\r\n2,two,2\r\n')
    assert.match(response.headers.get('link') ?? '', /no_pk\.csv\?_size=2&_next=2>; rel="next"/)
  })

  it('a query as CSV', async () => {
    const text = await (await (await serveFixtures()).get(`/fixtures/-/query.csv?sql=${encodeURIComponent("select 'a,b' as x, null as y, 3 as z")}`)).text()
    assert.equal(text, 'x,y,z\r\n"a,b",,3\r\n')
  })

  it('bad parameters on CSV are JSON 400s too', async () => {
    const { status, body } = await getJson(await serveFixtures(), '/fixtures/items.csv?_size=nope')
    assert.equal(status, 400)
    assert.equal(body.ok, false)
  })

  it('Python float formatting and single-empty-field rows', () => {
    assert.deepEqual([3, 0.1, 1e16, 1.5e-7, 1e-4, -2, 123456789.125].map(pythonFloat), ['3.0', '0.1', '1e+16', '1.5e-07', '0.0001', '-2.0', '123456789.125'])
    assert.equal(csvLine(['']), '""\r\n')
    assert.equal(csvLine(['a\rb', 'x"y']), '"a\rb","x""y"\r\n')
  })
})
