import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { serveFixtures } from './fixtures.ts'

// Names every plain object inherits: a lookup like `op in OPS` finds them, and a server
// that indexes an object with user input answers them with a 500.
const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', '__defineGetter__']

describe('names inherited from Object.prototype are ordinary bad input', () => {
  it('as a filter operation, on .json and .csv: a 400 naming the operation', async () => {
    const server = await serveFixtures()
    for (const name of INHERITED) {
      for (const format of ['json', 'csv']) {
        const response = await server.get(`/fixtures/items.${format}?name__${encodeURIComponent(name)}=1`)
        const body = await response.json()
        assert.equal(response.status, 400, `${name} on .${format}: ${JSON.stringify(body)}`)
        assert.match(body.error, /is not a filter operation/)
      }
    }
  })

  it('as a column, a shape, an _extra, a sort, a table, a database, a row key or a setting name: 4xx, never 500', async () => {
    const server = await serveFixtures()
    const paths = INHERITED.flatMap((raw) => {
      const name = encodeURIComponent(raw)
      return [
        `/fixtures/items.json?${name}=1`,
        `/fixtures/items.csv?${name}=1`,
        `/fixtures/items.json?_shape=${name}`,
        `/fixtures/items.json?_extra=${name}`,
        `/fixtures/items.json?_sort=${name}`,
        `/fixtures/items.json?_col=${name}`,
        `/fixtures/items.json?_search_${name}=x`,
        `/fixtures/${name}.json`,
        `/fixtures/${name}.csv`,
        `/${name}.json`,
        `/${name}/items.json`,
        `/fixtures/items/${name}.json`,
        `/fixtures/-/query.json?sql=select+1&_shape=${name}`,
        `/fixtures/-/query.json?sql=select+1&_extra=${name}`,
        `/-/allowed.json?action=${name}`,
        `/-/check.json?action=${name}`,
        `/-/tokens.json?status=${name}`,
        `/fixtures/items.csv?_stream=on&name__${name}=1`,
      ]
    })
    for (const path of paths) {
      const response = await server.get(path)
      const text = await response.text()
      assert.ok(response.status >= 400 && response.status < 500, `${path}: ${response.status} ${text.slice(0, 200)}`)
      assert.doesNotMatch(text, /at \w+ \(|node:internal|\.ts:\d+/, `${path}: no stack trace`)
    }
  })
})
