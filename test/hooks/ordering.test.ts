import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { define, makeManager, recorder } from './fixtures.ts'

describe('call order', () => {
  it('plain implementations run newest registration first', () => {
    const pm = makeManager()
    const log: string[] = []
    for (const name of ['a', 'b', 'c']) recorder(pm, name, log)
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['c', 'b', 'a'])
  })

  it('tryFirst implementations run before plain ones, whatever the registration order', () => {
    const pm = makeManager()
    const log: string[] = []
    recorder(pm, 'first', log, { tryFirst: true })
    recorder(pm, 'plain1', log)
    recorder(pm, 'plain2', log)
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['first', 'plain2', 'plain1'])
  })

  it('tryLast implementations run after plain ones, whatever the registration order', () => {
    const pm = makeManager()
    const log: string[] = []
    recorder(pm, 'plain1', log)
    recorder(pm, 'last', log, { tryLast: true })
    recorder(pm, 'plain2', log)
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['plain2', 'plain1', 'last'])
  })

  it('tryLast implementations run newest first too (pluggy runs them oldest first; we chose one rule for every group)', () => {
    const pm = makeManager()
    const log: string[] = []
    recorder(pm, 'a', log)
    recorder(pm, 'b', log, { tryLast: true })
    recorder(pm, 'c', log)
    recorder(pm, 'd', log, { tryLast: true })
    // pluggy would give c, a, b, d
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['c', 'a', 'd', 'b'])
  })

  it('several tryFirst implementations run newest first', () => {
    const pm = makeManager()
    const log: string[] = []
    recorder(pm, 'f1', log, { tryFirst: true })
    recorder(pm, 'p', log)
    recorder(pm, 'f2', log, { tryFirst: true })
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['f2', 'f1', 'p'])
  })

  it('wrappers run outermost: tryFirst wrappers, wrappers, tryLast wrappers, then tryFirst, plain, tryLast', () => {
    const pm = makeManager()
    const order: string[] = []
    const wrapper = (label: string) => (_args: { arg: number }, next: () => unknown) => {
      order.push(`${label}:pre`)
      const result = next()
      order.push(`${label}:post`)
      return result as unknown[]
    }
    const plain = (label: string) => () => {
      order.push(label)
      return label
    }
    pm.register(define({ name: 'w-last', hooks: { collect: { wrapper: wrapper('w-last'), tryLast: true } } }))
    pm.register(define({ name: 'p-last', hooks: { collect: { impl: plain('p-last'), tryLast: true } } }))
    pm.register(define({ name: 'w', hooks: { collect: { wrapper: wrapper('w') } } }))
    pm.register(define({ name: 'p', hooks: { collect: plain('p') } }))
    pm.register(define({ name: 'w-first', hooks: { collect: { wrapper: wrapper('w-first'), tryFirst: true } } }))
    pm.register(define({ name: 'p-first', hooks: { collect: { impl: plain('p-first'), tryFirst: true } } }))
    const result = pm.hook.collect({ arg: 1 })
    assert.deepEqual(order, ['w-first:pre', 'w:pre', 'w-last:pre', 'p-first', 'p', 'p-last', 'w-last:post', 'w:post', 'w-first:post'])
    assert.deepEqual(result, ['p-first', 'p', 'p-last'])
  })

  it('a complex sequence of registrations keeps all six groups in order (pluggy test_adding_wrappers_complex)', () => {
    const pm = makeManager()
    const add = (name: string, options: { tryFirst?: boolean; tryLast?: boolean; wrapper?: boolean }) => {
      const { wrapper, ...order } = options
      pm.register(
        define({
          name,
          hooks: { collect: wrapper ? { ...order, wrapper: (_a, next) => next() } : { ...order, impl: () => name } },
        }),
      )
    }
    add('m1', { wrapper: true, tryLast: true })
    add('m2', {})
    add('m3', { tryLast: true })
    add('m4', { wrapper: true })
    add('m5', { wrapper: true, tryFirst: true })
    add('m6', { tryFirst: true })
    add('m7', {})
    add('m8', { wrapper: true })
    add('m9', { tryLast: true })
    add('m10', { tryFirst: true })
    add('m11', { wrapper: true, tryLast: true })
    add('m12', { wrapper: true })
    add('m13', {})
    const order = pm.hook.collect.callOrder().map((impl) => impl.pluginName)
    assert.deepEqual(order, ['m5', 'm12', 'm8', 'm4', 'm11', 'm1', 'm10', 'm6', 'm13', 'm7', 'm2', 'm9', 'm3'])
  })

  it('a plugin registered during a call takes part only in later calls', () => {
    const pm = makeManager()
    const log: string[] = []
    recorder(pm, 'a', log)
    pm.register(
      define({
        name: 'registers-another',
        hooks: {
          collect: () => {
            if (!pm.isRegistered('late')) recorder(pm, 'late', log)
            return 'registers-another'
          },
        },
      }),
    )
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['registers-another', 'a'])
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['late', 'registers-another', 'a'])
  })

  it('a plugin unregistered during a call still runs in that call, not in later ones', () => {
    const pm = makeManager()
    const log: string[] = []
    recorder(pm, 'victim', log)
    pm.register(define({ name: 'remover', hooks: { collect: () => (pm.unregister('victim'), 'remover') } }))
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['remover', 'victim'])
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['remover'])
  })

  it('callExtra runs the extra implementations with the plain ones, after tryFirst (pluggy test_call_extra_hook_order)', () => {
    const pm = makeManager()
    const order: string[] = []
    const plain = (label: string) => () => (order.push(label), label)
    const wrap = (label: string) => (_args: { arg: number }, next: () => unknown) => {
      order.push(`${label}pre`)
      const result = next()
      order.push(`${label}post`)
      return result as unknown[]
    }
    pm.register(define({ name: '1', hooks: { collect: { impl: plain('1'), tryFirst: true } } }))
    pm.register(define({ name: '2', hooks: { collect: plain('2') } }))
    pm.register(define({ name: '3', hooks: { collect: { impl: plain('3'), tryLast: true } } }))
    pm.register(define({ name: '4', hooks: { collect: { wrapper: wrap('4'), tryFirst: true } } }))
    pm.register(define({ name: '5', hooks: { collect: { wrapper: wrap('5') } } }))
    pm.register(define({ name: '6', hooks: { collect: { wrapper: wrap('6'), tryLast: true } } }))
    const result = pm.hook.collect.callExtra([plain('extra1'), plain('extra2')], { arg: 1 })
    assert.deepEqual(order, ['4pre', '5pre', '6pre', '1', 'extra2', 'extra1', '2', '3', '6post', '5post', '4post'])
    assert.deepEqual(result, ['1', 'extra2', 'extra1', '2', '3'])
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['1', '2', '3'], 'extras do not stay registered')
  })

  it('callOrder lists implementations in the order they run', () => {
    const pm = makeManager()
    const log: string[] = []
    recorder(pm, 'a', log, { tryLast: true })
    recorder(pm, 'b', log)
    assert.deepEqual(
      pm.hook.collect.callOrder().map((impl) => [impl.pluginName, impl.tryLast]),
      [
        ['b', false],
        ['a', true],
      ],
    )
  })
})
