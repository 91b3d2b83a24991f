import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { destructuredArgNames } from '../../src/hooks/arg-names.ts'

describe('reading the arguments an implementation destructures', () => {
  const cases: [string, Function, string[] | null][] = [
    ['arrow', ({ a, b }: any) => [a, b], ['a', 'b']],
    ['async arrow', async ({ a }: any) => a, ['a']],
    ['function expression', function ({ a }: any) { return a }, ['a']],
    ['named async function', async function named({ a, b }: any) { return [a, b] }, ['a', 'b']],
    ['renamed key', ({ a: x }: any) => x, ['a']],
    ['default with a nested object and a comma', ({ a = { x: [1, 2], y: ')' }, b }: any) => [a, b], ['a', 'b']],
    ['nested pattern', ({ a: { deep }, b }: any) => [deep, b], ['a', 'b']],
    ['default containing an arrow', ({ a = () => 1 }: any) => a, ['a']],
    ['empty pattern', ({}: any) => 1, []],
    ['no parameters', () => 1, null],
    ['plain parameter', (args: any) => args, null],
    ['bare parameter without parentheses', eval('args => args'), null],
    ['bare parameter whose body has a pattern', eval('x => ({ a: 1 })'), null],
    ['rest element', ({ a, ...rest }: any) => [a, rest], null],
    ['quoted key', eval(`({ 'a': x, "b": y }) => x + y`), ['a', 'b']],
    ['comments', eval(`(/* c */ { a /* c */, // line\n b }) => a + b`), ['a', 'b']],
    ['unicode name', eval('({ jürgen }) => jürgen'), ['jürgen']],
    ['native function', Math.max, null],
  ]
  for (const [label, fn, expected] of cases) {
    it(`${label} → ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(destructuredArgNames(fn), expected)
    })
  }

  it('a method shorthand is read', () => {
    const object = { hook({ ds, request }: any) { return [ds, request] } }
    assert.deepEqual(destructuredArgNames(object.hook), ['ds', 'request'])
  })
})
