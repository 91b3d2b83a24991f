import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { traceMonitor } from '../../src/hooks/trace.ts'
import type { CallOutcome, HookCallInfo } from '../../src/hooks/types.ts'
import { define, makeManager, throws } from './fixtures.ts'

describe('monitoring', () => {
  it('before and after see every call with its hook name, implementations, arguments and result', () => {
    const pm = makeManager()
    pm.register(define({ name: 'p', hooks: { collect: ({ arg }) => arg + 1 } }))
    const events: string[] = []
    pm.addMonitor({
      before: (call) => events.push(`before ${call.hookName} ${JSON.stringify(call.args)} [${call.impls.map((i) => i.pluginName)}]`),
      after: (call, outcome) => events.push(`after ${call.hookName} ${JSON.stringify(outcome)}`),
    })
    assert.deepEqual(pm.hook.collect({ arg: 1 }), [2])
    assert.deepEqual(events, ['before collect {"arg":1} [p]', 'after collect {"ok":true,"result":[2]}'])
  })

  it('after sees a thrown error, and the error still reaches the caller', () => {
    const pm = makeManager()
    pm.register(
      define({ name: 'p', hooks: { collect: throws(new Error('monitored failure')) } }),
    )
    let outcome: CallOutcome | undefined
    pm.addMonitor({ after: (_call, o) => (outcome = o) })
    assert.throws(() => pm.hook.collect({ arg: 1 }), /monitored failure/)
    assert.equal(outcome?.ok, false)
  })

  it('after waits for an async call and sees its resolved result and duration', async () => {
    const pm = makeManager()
    pm.register(define({ name: 'p', hooks: { first: async () => (await new Promise((r) => setTimeout(r, 15)), 'late') } }))
    const seen: [CallOutcome, number][] = []
    pm.addMonitor({ after: (_call, outcome, ms) => seen.push([outcome, ms]) })
    const pending = pm.hook.first({ arg: 1 })
    assert.equal(seen.length, 0, 'not reported before the promise settles')
    assert.equal(await pending, 'late')
    assert.deepEqual(seen[0]![0], { ok: true, result: 'late' })
    assert.ok(seen[0]![1] >= 10, `duration ${seen[0]![1]}ms`)
  })

  it('after sees a rejection of an async call', async () => {
    const pm = makeManager()
    pm.register(define({ name: 'p', hooks: { collect: async () => Promise.reject(new Error('late failure')) } }))
    let outcome: CallOutcome | undefined
    pm.addMonitor({ after: (_c, o) => (outcome = o) })
    await assert.rejects(async () => pm.hook.collect({ arg: 1 }), /late failure/)
    assert.equal(outcome?.ok, false)
  })

  it('removing the monitor stops the reports', () => {
    const pm = makeManager()
    const calls: HookCallInfo[] = []
    const remove = pm.addMonitor({ before: (call) => calls.push(call) })
    pm.hook.collect({ arg: 1 })
    remove()
    pm.hook.collect({ arg: 1 })
    assert.equal(calls.length, 1)
  })

  it('historic calls and callExtra are monitored too', () => {
    const pm = makeManager()
    const hooks: string[] = []
    pm.addMonitor({ before: (call) => hooks.push(call.hookName) })
    pm.hook.replayed.callHistoric({ arg: 1 })
    pm.hook.collect.callExtra([() => 1], { arg: 1 })
    pm.register(define({ name: 'late', hooks: { replayed: () => 1 } }))
    assert.deepEqual(hooks, ['replayed', 'collect', 'replayed'])
  })

  it('the trace monitor prints hook, argument names, implementations, result and duration with secrets masked', () => {
    const pm = makeManager()
    pm.register(define({ name: 'tokens', hooks: { first: () => ({ id: 'alice', token: 'dstok_secret' }) } }))
    const lines: string[] = []
    pm.addMonitor(traceMonitor((line) => lines.push(line)))
    pm.hook.first({ arg: 1 })
    assert.equal(lines.length, 1)
    assert.match(lines[0]!, /^\[hook\] first\(\{ arg \}\) \[tokens\] → \{"id":"alice","token":"\*\*\*"\} \d+\.\d{3}ms$/)
    assert.doesNotMatch(lines[0]!, /dstok_secret/)
  })

  it('the trace monitor reports errors', () => {
    const pm = makeManager()
    pm.register(
      define({ name: 'broken', hooks: { collect: throws(new TypeError('bad thing')) } }),
    )
    const lines: string[] = []
    pm.addMonitor(traceMonitor((line) => lines.push(line)))
    assert.throws(() => pm.hook.collect({ arg: 1 }))
    assert.match(lines[0]!, /collect\(\{ arg \}\) \[broken\] threw TypeError: bad thing/)
  })
})
