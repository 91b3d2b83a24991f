import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { define, makeManager, throws } from './fixtures.ts'

describe('call loop', () => {
  it('a hook with no implementations returns an empty list', () => {
    assert.deepEqual(makeManager().hook.collect({ arg: 1 }), [])
  })

  it('a first-result hook with no implementations returns undefined', () => {
    assert.equal(makeManager().hook.first({ arg: 1 }), undefined)
  })

  it('implementations receive the named arguments', () => {
    const pm = makeManager()
    pm.register(define({ name: 'p', hooks: { collect: ({ arg }) => arg * 10 } }))
    assert.deepEqual(pm.hook.collect({ arg: 4 }), [40])
  })

  it('null and undefined results are dropped; false, 0 and empty string are kept', () => {
    const pm = makeManager()
    const values: unknown[] = [null, undefined, false, 0, '']
    values.forEach((value, i) => pm.register(define({ name: `p${i}`, hooks: { collect: () => value } })))
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['', 0, false])
  })

  it('an all-synchronous hook call returns its result without creating a promise', () => {
    const pm = makeManager()
    pm.register(define({ name: 'a', hooks: { collect: () => 1 } }))
    pm.register(define({ name: 'b', hooks: { collect: () => 2 } }))
    const result = pm.hook.collect({ arg: 1 })
    assert.ok(Array.isArray(result), 'result is the list itself, not a promise')
    assert.deepEqual(result, [2, 1])
  })

  it('promises are awaited and results keep call order', async () => {
    const pm = makeManager()
    pm.register(define({ name: 'slow', hooks: { collect: async () => (await new Promise((r) => setTimeout(r, 10)), 'slow') } }))
    pm.register(define({ name: 'sync', hooks: { collect: () => 'sync' } }))
    pm.register(define({ name: 'async', hooks: { collect: async () => 'async' } }))
    const result = pm.hook.collect({ arg: 1 })
    assert.ok(result instanceof Promise)
    assert.deepEqual(await result, ['async', 'sync', 'slow'])
  })

  it('an async implementation resolving to null is dropped', async () => {
    const pm = makeManager()
    pm.register(define({ name: 'a', hooks: { collect: () => 'a' } }))
    pm.register(define({ name: 'b', hooks: { collect: async () => null } }))
    assert.deepEqual(await pm.hook.collect({ arg: 1 }), ['a'])
  })

  it('a first-result hook stops at the first non-null result', () => {
    const pm = makeManager()
    const called: string[] = []
    pm.register(define({ name: 'a', hooks: { first: () => (called.push('a'), 'a') } }))
    pm.register(define({ name: 'b', hooks: { first: () => (called.push('b'), 'b') } }))
    pm.register(define({ name: 'c', hooks: { first: () => (called.push('c'), null) } }))
    assert.equal(pm.hook.first({ arg: 1 }), 'b')
    assert.deepEqual(called, ['c', 'b'])
  })

  it('a first-result hook skips async nulls and stops at an async result', async () => {
    const pm = makeManager()
    const called: string[] = []
    pm.register(define({ name: 'a', hooks: { first: () => (called.push('a'), 'a') } }))
    pm.register(define({ name: 'b', hooks: { first: async () => (called.push('b'), 'b') } }))
    pm.register(define({ name: 'c', hooks: { first: async () => (called.push('c'), null) } }))
    assert.equal(await pm.hook.first({ arg: 1 }), 'b')
    assert.deepEqual(called, ['c', 'b'])
  })

  it('a first-result hook where everyone answers null returns undefined', async () => {
    const pm = makeManager()
    pm.register(define({ name: 'a', hooks: { first: () => null } }))
    pm.register(define({ name: 'b', hooks: { first: async () => undefined } }))
    assert.equal(await pm.hook.first({ arg: 1 }), undefined)
  })

  it('the first error stops the loop', () => {
    const pm = makeManager()
    const called: string[] = []
    pm.register(define({ name: 'after', hooks: { collect: () => (called.push('after'), 1) } }))
    pm.register(
      define({ name: 'fails', hooks: { collect: throws(new Error('boom')) } }),
    )
    pm.register(define({ name: 'before', hooks: { collect: () => (called.push('before'), 1) } }))
    assert.throws(() => pm.hook.collect({ arg: 1 }), /boom/)
    assert.deepEqual(called, ['before'])
  })

  it('a rejected promise stops the loop and rejects the call', async () => {
    const pm = makeManager()
    const called: string[] = []
    pm.register(define({ name: 'after', hooks: { collect: () => (called.push('after'), 1) } }))
    pm.register(define({ name: 'fails', hooks: { collect: async () => Promise.reject(new Error('async boom')) } }))
    await assert.rejects(async () => pm.hook.collect({ arg: 1 }), /async boom/)
    assert.deepEqual(called, [])
  })

  it('a non-Error thrown value reaches the caller unchanged', () => {
    const pm = makeManager()
    pm.register(
      define({ name: 'throws-string', hooks: { collect: throws('plain string') } }),
    )
    assert.throws(() => pm.hook.collect({ arg: 1 }), (e) => e === 'plain string')
  })

  it('the same plugin object may be registered again after being unregistered', () => {
    const pm = makeManager()
    const plugin = define({ name: 'p', hooks: { collect: () => 1 } })
    pm.register(plugin)
    pm.unregister('p')
    pm.register(plugin)
    assert.deepEqual(pm.hook.collect({ arg: 1 }), [1])
  })

  it('a hook with no arguments is called with an empty object', () => {
    const pm = makeManager()
    pm.register(define({ name: 'p', hooks: { noArgs: () => 'called' } }))
    assert.deepEqual(pm.hook.noArgs({}), ['called'])
  })
})
