import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PluginValidationError } from '../../src/hooks/validate.ts'
import { define, makeManager } from './fixtures.ts'

/** Registers `plugin` expecting a validation error whose message matches every pattern. */
function rejects(plugin: unknown, ...patterns: RegExp[]) {
  const pm = makeManager()
  assert.throws(
    () => pm.register(plugin as never),
    (error: Error) => {
      assert.ok(error instanceof PluginValidationError, `expected PluginValidationError, got ${error}`)
      for (const pattern of patterns) assert.match(error.message, pattern)
      return true
    },
  )
  assert.deepEqual(pm.listPlugins(), [], 'nothing registered')
}

describe('plugin validation (plain JavaScript mistakes)', () => {
  it('a misspelt hook name names the plugin, the hook and the nearest valid hook', () => {
    rejects({ name: 'typo', hooks: { colect: () => 1 } }, /plugin 'typo'/, /unknown hook 'colect'/, /did you mean 'collect'\?/)
  })

  it('a hook name far from any other gets no suggestion', () => {
    rejects({ name: 'p', hooks: { zzzzzzzzzz: () => 1 } }, /unknown hook 'zzzzzzzzzz'$/m)
  })

  it('a destructured argument the hook does not have is an error naming it and the nearest one', () => {
    rejects({ name: 'p', hooks: { collect: ({ ag }: { ag: number }) => ag } }, /'collect' has no argument 'ag'/, /did you mean 'arg'\?/, /receives arg/)
  })

  it('arguments are checked in function, async and method forms', () => {
    rejects({ name: 'p', hooks: { collect: async function ({ nope }: { nope: 1 }) { return nope } } }, /no argument 'nope'/)
    rejects({ name: 'p', hooks: { collect({ nope }: { nope: 1 }) { return nope } } }, /no argument 'nope'/)
    rejects({ name: 'p', hooks: { collect: { impl: async ({ nope }: { nope: 1 }) => nope } } }, /no argument 'nope'/)
  })

  it('renamed and defaulted arguments are checked by their key', () => {
    const pm = makeManager()
    pm.register({ name: 'ok', hooks: { collect: ({ arg: renamed = 5 }: { arg?: number }) => renamed } })
    assert.deepEqual(pm.hook.collect({ arg: 2 }), [2])
    rejects({ name: 'p', hooks: { collect: ({ arg: a = 1, bad: b = { x: [1, 2] } }: any) => a + b } }, /no argument 'bad'/)
  })

  it('a plain parameter or a rest element is not checked', () => {
    const pm = makeManager()
    pm.register({ name: 'plain', hooks: { collect: (args: { arg: number }) => args.arg } })
    pm.register({ name: 'rest', hooks: { first: ({ ...all }: any) => all.arg } })
    assert.deepEqual(pm.hook.collect({ arg: 3 }), [3])
    assert.equal(pm.hook.first({ arg: 4 }), 4)
  })

  it('an implementation that is not a function is an error', () => {
    rejects({ name: 'p', hooks: { collect: 42 } }, /hook 'collect': expected a function/)
    rejects({ name: 'p', hooks: { collect: { impl: 'x' } } }, /'impl' must be a function/)
  })

  it('an unknown implementation option is an error with a suggestion', () => {
    rejects({ name: 'p', hooks: { collect: { impl: () => 1, tryfirst: true } } }, /unknown option 'tryfirst'/, /did you mean 'tryFirst'\?/)
  })

  it('tryFirst and tryLast together are an error', () => {
    rejects({ name: 'p', hooks: { collect: { impl: () => 1, tryFirst: true, tryLast: true } } }, /tryFirst and tryLast cannot both be set/)
  })

  it('both impl and wrapper, or neither, is an error', () => {
    rejects({ name: 'p', hooks: { collect: { impl: () => 1, wrapper: () => 1 } } }, /exactly one of 'impl' or 'wrapper'/)
    rejects({ name: 'p', hooks: { collect: { tryFirst: true } } }, /exactly one of 'impl' or 'wrapper'/)
  })

  it('a plugin without a name, or with a non-object hooks, is an error', () => {
    rejects({ hooks: {} }, /non-empty string 'name'/)
    rejects({ name: '  ', hooks: {} }, /non-empty string 'name'/)
    rejects({ name: 'p', hooks: [] }, /'hooks' must be an object/)
    rejects({ name: 'p' }, /'hooks' must be an object/)
    rejects(null, /must be an object/)
  })

  it('an unknown plugin property is an error with a suggestion', () => {
    rejects({ name: 'p', hook: {}, hooks: {} }, /unknown plugin property 'hook'/, /did you mean 'hooks'\?/)
  })

  it('every problem of a plugin is reported at once', () => {
    rejects({ name: 'many', hooks: { colect: () => 1, first: { impl: () => 1, tryFirst: true, tryLast: true } } }, /colect/, /tryFirst and tryLast/)
  })
})

describe('specName, optional hooks and deprecations', () => {
  it('specName lets one plugin implement the same hook twice', () => {
    const pm = makeManager()
    pm.register(define({ name: 'twice', hooks: { collect: () => 'main', collectAgain: { specName: 'collect', impl: () => 'again', tryLast: true } } }))
    assert.deepEqual(pm.hook.collect({ arg: 1 }), ['main', 'again'])
    assert.deepEqual(pm.listPlugins()[0]!.hooks, ['collect'])
  })

  it('a specName naming no hook is an error with a suggestion', () => {
    rejects({ name: 'p', hooks: { other: { specName: 'colect', impl: () => 1 } } }, /specName 'colect' is not a hook/, /did you mean 'collect'\?/)
  })

  it('a specName implementation still has its arguments checked', () => {
    rejects({ name: 'p', hooks: { other: { specName: 'collect', impl: ({ bad }: any) => bad } } }, /'collect' has no argument 'bad'/)
  })

  it('an optional implementation of a hook that does not exist is skipped, not an error', () => {
    const pm = makeManager()
    pm.register({ name: 'future', hooks: { hookFromTheFuture: { optional: true, impl: () => 1 }, collect: () => 2 } })
    assert.deepEqual(pm.listPlugins()[0]!.hooks, ['collect'])
  })

  it('implementing a deprecated hook warns with the spec message, once registered', () => {
    const warnings: string[] = []
    const pm = makeManager({ onWarning: (message) => warnings.push(message) })
    pm.register(define({ name: 'old', hooks: { legacy: ({ arg }) => arg } }))
    assert.deepEqual(warnings, ["plugin 'old' implements deprecated hook 'legacy': use collect instead"])
  })

  it('taking a deprecated argument warns with its message', () => {
    const warnings: string[] = []
    const pm = makeManager({ onWarning: (message) => warnings.push(message) })
    pm.register(define({ name: 'old-arg', hooks: { legacy: ({ old }) => old } }))
    assert.ok(warnings.some((w) => w.includes("argument 'old' is deprecated: old is going away")), warnings.join('\n'))
  })

  it('an invalid plugin produces no deprecation warning', () => {
    const warnings: string[] = []
    const pm = makeManager({ onWarning: (message) => warnings.push(message) })
    assert.throws(() => pm.register({ name: 'bad', hooks: { legacy: () => 1, nope: () => 1 } }))
    assert.deepEqual(warnings, [])
  })
})
