import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { define, makeManager } from './fixtures.ts'

describe('historic hooks', () => {
  it('a historic call reaches plugins registered before it', () => {
    const pm = makeManager()
    const seen: number[] = []
    pm.register(define({ name: 'early', hooks: { replayed: ({ arg }) => void seen.push(arg) } }))
    pm.hook.replayed.callHistoric({ arg: 1 })
    assert.deepEqual(seen, [1])
  })

  it('a historic call is replayed to plugins registered later', () => {
    const pm = makeManager()
    pm.hook.replayed.callHistoric({ arg: 1 })
    pm.hook.replayed.callHistoric({ arg: 2 })
    const seen: number[] = []
    pm.register(define({ name: 'late', hooks: { replayed: ({ arg }) => void seen.push(arg) } }))
    assert.deepEqual(seen, [1, 2])
  })

  it('the result callback receives every result now and each replayed result later', () => {
    const pm = makeManager()
    const results: unknown[] = []
    pm.register(define({ name: 'a', hooks: { replayed: ({ arg }) => arg + 10 } }))
    pm.hook.replayed.callHistoric({ arg: 1 }, (result) => results.push(result))
    assert.deepEqual(results, [11])
    pm.register(define({ name: 'b', hooks: { replayed: ({ arg }) => arg + 20 } }))
    assert.deepEqual(results, [11, 21])
  })

  it('a null result is not passed to the result callback', () => {
    const pm = makeManager()
    const results: unknown[] = []
    pm.hook.replayed.callHistoric({ arg: 1 }, (result) => results.push(result))
    pm.register(define({ name: 'silent', hooks: { replayed: () => null } }))
    assert.deepEqual(results, [])
  })

  it('an async historic implementation delivers its replayed result when it resolves', async () => {
    const pm = makeManager()
    const results: unknown[] = []
    pm.hook.replayed.callHistoric({ arg: 1 }, (result) => results.push(result))
    pm.register(define({ name: 'async', hooks: { replayed: async ({ arg }) => arg * 100 } }))
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(results, [100])
  })

  it('calling a historic hook directly is an error', () => {
    const pm = makeManager()
    assert.throws(() => (pm.hook.replayed as unknown as (a: object) => unknown)({ arg: 1 }), /historic: call it with callHistoric/)
  })

  it('callHistoric on a hook that is not historic is an error', () => {
    const pm = makeManager()
    assert.throws(() => pm.hook.collect.callHistoric({ arg: 1 }), /not historic/)
  })

  it('a wrapper on a historic hook is refused at registration', () => {
    const pm = makeManager()
    const plugin = { name: 'wrapper', hooks: { replayed: { wrapper: (_a: unknown, next: () => unknown) => next() } } }
    assert.throws(() => pm.register(plugin), /'replayed' is historic and cannot have a wrapper/)
    assert.equal(pm.isRegistered('wrapper'), false)
  })

  it('a plugin whose replayed call throws is not left registered', () => {
    const pm = makeManager()
    pm.hook.replayed.callHistoric({ arg: 1 })
    const plugin = define({
      name: 'bad-replay',
      hooks: {
        replayed: () => {
          throw new Error('replay failed')
        },
        collect: () => 'x',
      },
    })
    assert.throws(() => pm.register(plugin), /replay failed/)
    assert.equal(pm.isRegistered('bad-replay'), false)
    assert.deepEqual(pm.hook.collect({ arg: 1 }), [])
  })

  it('a plugin whose async replay fails is rolled back and the failure reported, never an unhandled rejection', async () => {
    const errors: Error[] = []
    const pm = makeManager({ onError: (error) => errors.push(error) })
    pm.hook.replayed.callHistoric({ arg: 1 })
    let unhandled: unknown
    const onUnhandled = (reason: unknown) => (unhandled = reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const plugin = define({ name: 'async-bad', hooks: { replayed: async () => Promise.reject(new Error('later')), collect: () => 'x' } })
      assert.equal(pm.register(plugin), 'async-bad')
      await new Promise((resolve) => setTimeout(resolve, 20))
      assert.equal(pm.isRegistered('async-bad'), false, 'rolled back')
      assert.deepEqual(pm.hook.collect({ arg: 1 }), [])
      assert.equal(errors.length, 1)
      assert.match(errors[0]!.message, /plugin 'async-bad' is invalid:[\s\S]*replayed historic call failed, so the plugin was unregistered: later/)
      assert.equal(unhandled, undefined)
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('registerAsync waits for async replays and rejects, rolled back, when one fails', async () => {
    const pm = makeManager()
    pm.hook.replayed.callHistoric({ arg: 1 })
    await assert.rejects(pm.registerAsync(define({ name: 'async-bad', hooks: { replayed: async () => Promise.reject(new Error('nope')) } })), /replayed historic call failed.*nope/)
    assert.equal(pm.isRegistered('async-bad'), false)
    assert.equal(await pm.registerAsync(define({ name: 'async-good', hooks: { replayed: async () => 'ok' } })), 'async-good')
    assert.equal(pm.isRegistered('async-good'), true)
  })

  it('an unregistered plugin is not called by later historic calls', () => {
    const pm = makeManager()
    const seen: number[] = []
    pm.register(define({ name: 'p', hooks: { replayed: ({ arg }) => void seen.push(arg) } }))
    pm.unregister('p')
    pm.hook.replayed.callHistoric({ arg: 5 })
    assert.deepEqual(seen, [])
  })
})
