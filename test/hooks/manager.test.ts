import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PluginManager } from '../../src/hooks/manager.ts'
import { PluginValidationError } from '../../src/hooks/validate.ts'
import { define, makeManager } from './fixtures.ts'

describe('plugin manager: registration', () => {
  it('register returns the plugin name and the plugin becomes callable', () => {
    const pm = makeManager()
    assert.equal(pm.register(define({ name: 'p', hooks: { collect: () => 1 } })), 'p')
    assert.equal(pm.isRegistered('p'), true)
    assert.deepEqual(pm.hook.collect({ arg: 1 }), [1])
  })

  it('a duplicate plugin name is rejected and the first plugin stays', () => {
    const pm = makeManager()
    pm.register(define({ name: 'p', hooks: { collect: () => 'first' } }), { source: 'file:a.ts' })
    assert.throws(
      () => pm.register(define({ name: 'p', hooks: { collect: () => 'second' } })),
      (error: Error) => error instanceof PluginValidationError && /already registered \(from file:a.ts\)/.test(error.message),
    )
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['first'])
  })

  it('unregister removes every implementation and returns the plugin', () => {
    const pm = makeManager()
    const plugin = define({ name: 'p', hooks: { collect: () => 1, first: () => 2 } })
    pm.register(plugin)
    assert.equal(pm.unregister('p'), plugin)
    assert.deepEqual(pm.hook.collect({ arg: 1 }), [])
    assert.equal(pm.hook.first({ arg: 1 }), undefined)
    assert.equal(pm.isRegistered('p'), false)
  })

  it('unregistering an unknown name returns undefined', () => {
    assert.equal(makeManager().unregister('nobody'), undefined)
  })

  it('unregister keeps the other plugins and their order', () => {
    const pm = makeManager()
    pm.register(define({ name: 'a', hooks: { collect: () => 'a' } }))
    pm.register(define({ name: 'w', hooks: { collect: { wrapper: (_x, next) => next() } } }))
    pm.register(define({ name: 'b', hooks: { collect: () => 'b' } }))
    pm.register(define({ name: 'c', hooks: { collect: () => 'c' } }))
    pm.unregister('b')
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['c', 'a'])
    pm.unregister('w')
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['c', 'a'])
  })

  it('a blocked name is unregistered and refused from then on', () => {
    const pm = makeManager()
    pm.register(define({ name: 'p', hooks: { collect: () => 1 } }))
    pm.block('p')
    assert.equal(pm.isRegistered('p'), false)
    assert.equal(pm.isBlocked('p'), true)
    assert.equal(pm.register(define({ name: 'p', hooks: { collect: () => 1 } })), null)
    assert.deepEqual(pm.hook.collect({ arg: 1 }), [])
  })

  it('a name can be blocked before any plugin of that name is registered, and unblocked', () => {
    const pm = makeManager()
    pm.block('later')
    assert.equal(pm.register(define({ name: 'later', hooks: {} })), null)
    assert.equal(pm.unblock('later'), true)
    assert.equal(pm.register(define({ name: 'later', hooks: {} })), 'later')
  })

  it('an invalid plugin is still rejected when its name is blocked', () => {
    const pm = makeManager()
    pm.block('bad')
    assert.throws(() => pm.register({ name: 'bad', hooks: { nope: () => 1 } }), PluginValidationError)
  })

  it('registration is atomic: a plugin with one bad hook registers none of its hooks', () => {
    const pm = makeManager()
    const plugin = { name: 'half-good', hooks: { collect: () => 'good', colect: () => 'typo' } }
    assert.throws(() => pm.register(plugin), PluginValidationError)
    assert.equal(pm.isRegistered('half-good'), false)
    assert.deepEqual(pm.hook.collect({ arg: 1 }), [])
    assert.deepEqual(pm.listPlugins(), [])
  })

  it('listPlugins gives name, version, source and the hooks each plugin implements, in registration order', () => {
    const pm = makeManager()
    pm.register(define({ name: 'a', version: '1.2.3', hooks: { first: () => 1, collect: () => 1 } }), { source: 'builtin' })
    pm.register(define({ name: 'b', hooks: {} }), { source: 'npm:b', version: '0.0.1' })
    assert.deepEqual(pm.listPlugins(), [
      { name: 'a', version: '1.2.3', source: 'builtin', hooks: ['collect', 'first'] },
      { name: 'b', version: '0.0.1', source: 'npm:b', hooks: [] },
    ])
  })

  it('getPlugin returns the registered object', () => {
    const pm = makeManager()
    const plugin = define({ name: 'p', hooks: {} })
    pm.register(plugin)
    assert.equal(pm.getPlugin('p'), plugin)
    assert.equal(pm.getPlugin('q'), undefined)
  })

  it('hookNames lists the spec names in declaration order', () => {
    assert.deepEqual(makeManager().hookNames(), ['collect', 'first', 'replayed', 'legacy', 'noArgs'])
  })

  it('accessing a hook that has no spec gives undefined on the relay', () => {
    const relay = makeManager().hook as unknown as Record<string, unknown>
    assert.equal(relay.nonexistent, undefined)
  })
})

describe('plugin manager: hookspecs and subsets', () => {
  it('callExcept calls the hook without the named plugins (pluggy subset_hook_caller)', () => {
    const pm = makeManager()
    for (const name of ['a', 'b', 'c']) pm.register(define({ name, hooks: { collect: () => name } }))
    assert.deepEqual(pm.hook.collect.callExcept(['b'], { arg: 1 }), ['c', 'a'])
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['c', 'b', 'a'])
  })

  it('callExcept keeps wrappers of the other plugins around the call', () => {
    const pm = makeManager()
    pm.register(define({ name: 'a', hooks: { collect: () => 'a' } }))
    pm.register(define({ name: 'w', hooks: { collect: { wrapper: (_x, next) => [...(next() as unknown[]), 'wrapped'] } } }))
    assert.deepEqual(pm.hook.collect.callExcept(['a'], { arg: 1 }), ['wrapped'])
  })

  it('a hookspec that is both historic and firstResult is refused (a type error too)', () => {
    assert.throws(() => new PluginManager<any>({ bad: { args: [], historic: true, firstResult: true } } as any), /hookspec 'bad': a historic hook cannot be firstResult/)
  })

  it('a hookspec with an unknown option or no argument list is refused', () => {
    assert.throws(() => new PluginManager<any>({ bad: { args: [], firstresult: true } } as any), /hookspec 'bad': unknown option 'firstresult'/)
    assert.throws(() => new PluginManager<any>({ bad: {} } as any), /'args' must list the argument names/)
  })
})
