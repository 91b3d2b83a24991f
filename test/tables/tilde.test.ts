import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { tildeDecode, tildeEncode } from '../../src/util/tilde.ts'

describe('tilde encoding, as Datasette does it', () => {
  const pairs: [string, string][] = [
    ['my table/x', 'my+table~2Fx'],
    ['simple_name-1', 'simple_name-1'],
    ['dots.and.stuff', 'dots~2Eand~2Estuff'],
    ['a,b', 'a~2Cb'],
    ['~tilde', '~7Etilde'],
    ['100%', '100~25'],
    ['jürgen', 'j~C3~BCrgen'],
    ['😀', '~F0~9F~98~80'],
    ['', ''],
  ]
  for (const [plain, encoded] of pairs) {
    it(`${JSON.stringify(plain)} ⇄ ${encoded}`, () => {
      assert.equal(tildeEncode(plain), encoded)
      assert.equal(tildeDecode(encoded), plain)
    })
  }

  it('leaves malformed sequences alone', () => {
    assert.equal(tildeDecode('~zz'), '~zz')
    assert.equal(tildeDecode('a~2'), 'a~2')
  })
})
