import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BoundedMap } from '../../src/util/bounded-map.ts'

describe('BoundedMap', () => {
  it('holds at most its limit, forgetting the least recently used; a get is a use', () => {
    const map = new BoundedMap<string, number>(2)
    map.set('a', 1).set('b', 2)
    assert.equal(map.get('a'), 1) // a is now the most recent
    map.set('c', 3)
    assert.equal(map.has('b'), false, 'b was the least recently used')
    assert.deepEqual([map.get('a'), map.get('c'), map.size], [1, 3, 2])
    map.set('a', 10) // replacing is a use too, and does not grow it
    map.set('d', 4)
    assert.deepEqual([map.get('a'), map.has('c'), map.get('d'), map.size], [10, false, 4, 2])
  })

  it('delete and clear; a limit below 1 is an error', () => {
    const map = new BoundedMap<string, number>(3)
    map.set('a', 1).set('b', 2)
    assert.equal(map.delete('a'), true)
    assert.equal(map.get('a'), undefined)
    map.clear()
    assert.equal(map.size, 0)
    assert.throws(() => new BoundedMap(0), /at least 1/)
  })
})
