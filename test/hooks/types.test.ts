// Type tests: each @ts-expect-error line must fail to compile, or `tsc --noEmit` (run by CI)
// fails with "Unused '@ts-expect-error' directive". The runtime part checks the same mistakes
// are caught when the plugin comes from plain JavaScript.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { createDataserve } from '../../src/server.ts'
import { defineHookspecs } from '../../src/hooks/define-hookspecs.ts'
import type { Hook } from '../../src/hooks/types.ts'

const good = definePlugin({
  name: 'typed',
  hooks: {
    registerRoutes: () => [{ method: 'GET', path: '/-/typed', handler: (c) => c.json({ actor: c.var.actor }) }],
    actorFromRequest: { tryFirst: true, impl: ({ request }) => (request.headers.get('x-user') ? { id: 'x' } : null) },
    moreRoutes: { specName: 'registerRoutes', tryLast: true, impl: () => [] },
    permissionAllowed: { wrapper: async (_args, next) => next() },
  },
})

export const mistakes = [
  // @ts-expect-error a misspelt hook name
  definePlugin({ name: 'a', hooks: { actorFromRequst: () => null } }),
  // @ts-expect-error an argument the hook does not have
  definePlugin({ name: 'b', hooks: { actorFromRequest: ({ requst }) => requst } }),
  // @ts-expect-error a result of the wrong type
  definePlugin({ name: 'c', hooks: { permissionAllowed: () => 'yes' } }),
  // @ts-expect-error specName naming no hook
  definePlugin({ name: 'd', hooks: { extra: { specName: 'registerRoute', impl: () => [] } } }),
  // @ts-expect-error a wrong route method
  definePlugin({ name: 'e', hooks: { registerRoutes: () => [{ method: 'FETCH', path: '/', handler: (c) => c.json(1) }] } }),
  // @ts-expect-error an unknown option
  definePlugin({ name: 'f', hooks: { startup: { impl: () => {}, tryfirst: true } } }),
  // @ts-expect-error impl and wrapper together
  definePlugin({ name: 'g', hooks: { startup: { impl: () => {}, wrapper: (_a, next) => next() } } }),
  // @ts-expect-error a misspelt plugin property
  definePlugin({ name: 'h', hooks: {}, versoin: '1.0' }),
  // @ts-expect-error tryFirst must be a boolean
  definePlugin({ name: 'i', hooks: { startup: { impl: () => {}, tryFirst: 'yes' } } }),
]

describe('plugin types', () => {
  it('a well-typed plugin registers and the same mistakes are runtime errors from plain JavaScript', async () => {
    const ds = await createDataserve({ plugins: [good], notice: () => {} })
    assert.ok(ds.plugins.isRegistered('typed'))
    await ds.close()
    await assert.rejects(createDataserve({ plugins: [mistakes[0]!], notice: () => {} }), /unknown hook 'actorFromRequst' \(did you mean 'actorFromRequest'\?\)/)
    await assert.rejects(createDataserve({ plugins: [mistakes[1]!], notice: () => {} }), /no argument 'requst' \(did you mean 'request'\?\)/)
    await assert.rejects(createDataserve({ plugins: [mistakes[3]!], notice: () => {} }), /specName 'registerRoute' is not a hook \(did you mean 'registerRoutes'\?\)/)
    await assert.rejects(createDataserve({ plugins: [mistakes[5]!], notice: () => {} }), /unknown option 'tryfirst'/)
  })
})

export const specMistakes = [
  // @ts-expect-error an args list that leaves out an argument of the hook
  defineHookspecs<{ h: Hook<{ ds: number; request: string }, void> }>()({ h: { args: ['ds'] } }),
  // @ts-expect-error an argument the hook does not have
  defineHookspecs<{ h: Hook<{ ds: number }, void> }>()({ h: { args: ['ds', 'nope'] } }),
]
export const specsRight = defineHookspecs<{ h: Hook<{ ds: number; request: string }, void> }>()({ h: { args: ['request', 'ds'] } })
