import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { csvField, csvLine } from '../../src/builtins/tables/render-csv.ts'
import { makeDb, serve, tempDir } from '../helpers.ts'
import { allowAll } from './fixtures.ts'

/** A table readable only with a token, and query-string tokens turned on, as for IMPORTDATA(). */
async function sheetServer() {
  const dir = tempDir()
  const db = makeDb(join(dir, 'sales.db'), "create table orders (id integer primary key, item text); insert into orders values (1, 'apple'), (2, '=SUM(A1:A2)'), (3, 'ünïcödé, \"quoted\"');")
  const config = join(dir, 'datasette.yaml')
  writeFileSync(config, 'allow:\n  id: "*"\nplugins:\n  tokens:\n    param: _auth_token\n')
  return serve({ databases: [{ path: db }], configFile: config })
}

describe('spreadsheets: what LibreOffice and Google Sheets send', () => {
  it("LibreOffice's sequence — OPTIONS, HEAD, HEAD, GET — with the token in the URL", async () => {
    const server = await sheetServer()
    const token = await server.ds.createToken('sheets')
    const url = `/sales/orders.csv?_stream=on&_auth_token=${token}`
    const options = await server.get(url, { method: 'OPTIONS' })
    assert.equal(options.status, 200)
    assert.equal(await options.text(), 'ok')
    assert.equal(options.headers.get('allow'), 'GET, HEAD, OPTIONS')
    for (let i = 0; i < 2; i++) assert.equal((await server.get(url, { method: 'HEAD' })).status, 200)
    const get = await server.get(url)
    assert.equal(get.status, 200)
    assert.equal(await get.text(), 'id,item\r\n1,apple\r\n2,\'=SUM(A1:A2)\r\n3,"ünïcödé, ""quoted"""\r\n')
  })

  it('OPTIONS reads no credential and grants nothing: a bad token or header is not a 401, and no data comes back', async () => {
    const server = await sheetServer()
    for (const init of [{ method: 'OPTIONS' }, { method: 'OPTIONS', headers: { authorization: 'Bearer dstok_bad' } }]) {
      const response = await server.get('/sales/orders.csv?_auth_token=dstok_garbage', init)
      assert.equal(response.status, 200)
      assert.equal(await response.text(), 'ok')
    }
    assert.equal((await server.get('/-/tokens', { method: 'OPTIONS' })).headers.get('allow'), 'GET, HEAD, POST, OPTIONS')
  })

  it('with --cors, OPTIONS is the CORS preflight, also with a token in the URL', async () => {
    const dir = tempDir()
    const db = makeDb(join(dir, 's.db'), 'create table t (a)')
    const server = await serve({ databases: [{ path: db }], cors: true, plugins: [allowAll] })
    const response = await server.get('/s/t.csv?_auth_token=dstok_anything', { method: 'OPTIONS' })
    assert.equal(response.status, 204)
    assert.equal(response.headers.get('access-control-allow-origin'), '*')
  })
})

describe('CSV injection: cells a spreadsheet would run as formulas', () => {
  it("are prefixed with ' by default; numbers and number-like text are not", () => {
    for (const text of ['=SUM(A1:A2)', '+cmd|x', '-2+3', '@SUM(1)', '\tx', '\rx', '=HYPERLINK("http://evil")']) {
      assert.ok(csvField(text, true).replace(/^"/, '').startsWith(`'${text[0]}`), text)
    }
    for (const text of ['-5', '+3.25', '-1e5', '.5', 'plain', '']) assert.equal(csvField(text, true), text)
    assert.equal(csvField(-5, true), '-5.0', 'a REAL is a number, not text')
    assert.equal(csvLine(['=x'], false), '=x\r\n', 'off: as stored')
  })

  it('on every CSV path, header included; csv_escape_formulas off gives the bytes as stored', async () => {
    const dir = tempDir()
    const db = makeDb(join(dir, 'x.db'), 'create table t (id integer primary key, "=col" text); insert into t values (1, \'@evil\');')
    for (const [setting, cell, header] of [[undefined, "'@evil", "'=col"], ['off', '@evil', '=col']] as const) {
      const server = await serve({ databases: [{ path: db }], plugins: [allowAll], overrides: setting ? [['settings.csv_escape_formulas', setting]] : [] })
      for (const path of ['/x/t.csv', '/x/t.csv?_stream=on', `/x/-/query.csv?sql=${encodeURIComponent('select id, "=col" from t')}`]) {
        assert.equal(await (await server.get(path)).text(), `id,${header}\r\n1,${cell}\r\n`, `${path} (${setting ?? 'default'})`)
      }
      const json = await (await server.get('/x/t.json')).json()
      assert.equal(json.rows[0]['=col'], '@evil', 'JSON is never changed')
    }
  })
})
