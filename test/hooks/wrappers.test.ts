import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { define, makeManager, throws } from './fixtures.ts'

describe('wrappers', () => {
  it('a wrapper sees the result of the rest of the chain', () => {
    const pm = makeManager()
    let seen: unknown
    pm.register(define({ name: 'p', hooks: { collect: () => 'inner' } }))
    pm.register(define({ name: 'w', hooks: { collect: { wrapper: (_a, next) => ((seen = next()), seen as unknown[]) } } }))
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['inner'])
    assert.deepEqual(seen, ['inner'])
  })

  it('a wrapper receives the call arguments', () => {
    const pm = makeManager()
    let seen = 0
    pm.register(define({ name: 'w', hooks: { collect: { wrapper: ({ arg }, next) => ((seen = arg), next()) } } }))
    pm.hook.collect({ arg: 7 })
    assert.equal(seen, 7)
  })

  it('a wrapper may replace the result', () => {
    const pm = makeManager()
    pm.register(define({ name: 'p', hooks: { collect: () => 1 } }))
    pm.register(define({ name: 'w', hooks: { collect: { wrapper: (_a, next) => [...(next() as unknown[]), 'added'] } } }))
    assert.deepEqual(pm.hook.collect({ arg: 1 }), [1, 'added'])
  })

  it('a wrapper of a first-result hook sees and may replace the single result', () => {
    const pm = makeManager()
    pm.register(define({ name: 'p', hooks: { first: () => 2 } }))
    pm.register(define({ name: 'w', hooks: { first: { wrapper: (_a, next) => (next() as number) * 10 } } }))
    assert.equal(pm.hook.first({ arg: 1 }), 20)
  })

  it('a wrapper sees the error of the chain and may turn it into a result', () => {
    const pm = makeManager()
    pm.register(
      define({ name: 'p', hooks: { collect: throws(new Error('inner failure')) } }),
    )
    pm.register(
      define({
        name: 'w',
        hooks: {
          collect: {
            wrapper: (_a, next) => {
              try {
                return next() as unknown[]
              } catch (error) {
                return [`recovered from ${(error as Error).message}`]
              }
            },
          },
        },
      }),
    )
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['recovered from inner failure'])
  })

  it('a wrapper may replace the error with another', () => {
    const pm = makeManager()
    pm.register(
      define({ name: 'p', hooks: { collect: throws(new Error('original')) } }),
    )
    pm.register(
      define({
        name: 'w',
        hooks: {
          collect: {
            wrapper: (_a, next) => {
              try {
                return next() as unknown[]
              } catch {
                throw new Error('replaced')
              }
            },
          },
        },
      }),
    )
    assert.throws(() => pm.hook.collect({ arg: 1 }), /replaced/)
  })

  it('a wrapper may fail after a successful chain, and outer wrappers see that error', () => {
    const pm = makeManager()
    let outerSaw: unknown
    pm.register(define({ name: 'p', hooks: { collect: () => 1 } }))
    pm.register(
      define({
        name: 'inner-wrapper',
        hooks: {
          collect: {
            wrapper: (_a, next) => {
              next()
              throw new Error('teardown failed')
            },
          },
        },
      }),
    )
    pm.register(
      define({
        name: 'outer-wrapper',
        hooks: {
          collect: {
            tryFirst: true,
            wrapper: (_a, next) => {
              try {
                return next() as unknown[]
              } catch (error) {
                outerSaw = error
                return []
              }
            },
          },
        },
      }),
    )
    assert.deepEqual(pm.hook.collect({ arg: 1 }), [])
    assert.match((outerSaw as Error).message, /teardown failed/)
  })

  it('an async wrapper awaits an async chain', async () => {
    const pm = makeManager()
    pm.register(define({ name: 'p', hooks: { collect: async () => 'async inner' } }))
    pm.register(define({ name: 'w', hooks: { collect: { wrapper: async (_a, next) => [...(await next()), 'wrapped'] } } }))
    assert.deepEqual(await pm.hook.collect({ arg: 1 }), ['async inner', 'wrapped'])
  })

  it('an async wrapper catches a rejection from the chain', async () => {
    const pm = makeManager()
    pm.register(define({ name: 'p', hooks: { collect: async () => Promise.reject(new Error('nope')) } }))
    pm.register(
      define({
        name: 'w',
        hooks: {
          collect: {
            wrapper: async (_a, next) => {
              try {
                return await next()
              } catch {
                return ['fallback']
              }
            },
          },
        },
      }),
    )
    assert.deepEqual(await pm.hook.collect({ arg: 1 }), ['fallback'])
  })

  it('a synchronous wrapper around a synchronous chain creates no promise', () => {
    const pm = makeManager()
    pm.register(define({ name: 'p', hooks: { collect: () => 1 } }))
    pm.register(define({ name: 'w', hooks: { collect: { wrapper: (_a, next) => next() } } }))
    assert.deepEqual(pm.hook.collect({ arg: 1 }), [1])
  })

  it('a wrapper that never calls next() is an error naming the plugin', () => {
    const pm = makeManager()
    pm.register(define({ name: 'lazy-wrapper', hooks: { collect: { wrapper: () => [] } } }))
    assert.throws(() => pm.hook.collect({ arg: 1 }), /lazy-wrapper.*without calling next\(\)/)
  })

  it('an async wrapper that never calls next() rejects', async () => {
    const pm = makeManager()
    pm.register(define({ name: 'lazy-async', hooks: { collect: { wrapper: async () => [] } } }))
    await assert.rejects(async () => pm.hook.collect({ arg: 1 }), /lazy-async.*without calling next\(\)/)
  })

  it('a wrapper that calls next() twice is an error', () => {
    const pm = makeManager()
    pm.register(define({ name: 'greedy', hooks: { collect: { wrapper: (_a, next) => (next(), next()) } } }))
    assert.throws(() => pm.hook.collect({ arg: 1 }), /greedy.*next\(\) twice/)
  })

  it('an error thrown by a wrapper before next() skips the chain and reaches outer wrappers', () => {
    const pm = makeManager()
    const called: string[] = []
    let outerSaw = ''
    pm.register(define({ name: 'p', hooks: { collect: () => (called.push('p'), 1) } }))
    pm.register(
      define({
        name: 'inner',
        hooks: {
          collect: {
            wrapper: () => {
              throw new Error('setup failed')
            },
          },
        },
      }),
    )
    pm.register(
      define({
        name: 'outer',
        hooks: {
          collect: {
            tryFirst: true,
            wrapper: (_a, next) => {
              try {
                return next() as unknown[]
              } catch (error) {
                outerSaw = (error as Error).message
                throw error
              }
            },
          },
        },
      }),
    )
    assert.throws(() => pm.hook.collect({ arg: 1 }), /setup failed/)
    assert.equal(outerSaw, 'setup failed')
    assert.deepEqual(called, [])
  })

  it('a wrapper with no other implementations sees an empty list', () => {
    const pm = makeManager()
    pm.register(define({ name: 'w', hooks: { collect: { wrapper: (_a, next) => [...(next() as unknown[]), 'only'] } } }))
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['only'])
  })
})
