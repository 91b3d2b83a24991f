import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import type { Resource } from '../../src/types.ts'
import { getJson, serve } from '../helpers.ts'

const answers = (name: string, answer: (action: string, resource: Resource, actorId?: string) => boolean | undefined) =>
  definePlugin({ name, hooks: { permissionAllowed: ({ actor, action, resource }) => answer(action, resource, actor?.id) } })

describe('hook: permissionAllowed', () => {
  it('when no plugin answers, the answer is deny', async () => {
    const server = await serve({})
    assert.equal(await server.ds.allowed({ actor: null, action: 'view-instance' }), false)
    assert.equal(await server.ds.allowed({ actor: { id: 'root' }, action: 'view-instance' }), false)
  })

  it('one true allows; a false anywhere denies', async () => {
    const allowAlice = answers('allow-alice', (_a, _r, id) => (id === 'alice' ? true : undefined))
    const denySecret = answers('deny-secret', (_a, resource) => (Array.isArray(resource) && resource[1] === 'secret' ? false : undefined))
    const { ds } = await serve({ plugins: [allowAlice, denySecret] })
    assert.equal(await ds.allowed({ actor: { id: 'alice' }, action: 'view-table', resource: ['db', 'public'] }), true)
    assert.equal(await ds.allowed({ actor: { id: 'alice' }, action: 'view-table', resource: ['db', 'secret'] }), false)
    assert.equal(await ds.allowed({ actor: { id: 'bob' }, action: 'view-table', resource: ['db', 'public'] }), false)
  })

  it('async answers are awaited', async () => {
    const slowYes = definePlugin({ name: 'slow-yes', hooks: { permissionAllowed: async () => true } })
    const slowNo = definePlugin({ name: 'slow-no', hooks: { permissionAllowed: async ({ action }) => (action === 'drop' ? false : undefined) } })
    const { ds } = await serve({ plugins: [slowYes, slowNo] })
    assert.equal(await ds.allowed({ actor: null, action: 'view' }), true)
    assert.equal(await ds.allowed({ actor: null, action: 'drop' }), false)
  })

  it('receives the action, the actor and the resource as given', async () => {
    const seen: unknown[] = []
    const spy = definePlugin({ name: 'spy', hooks: { permissionAllowed: ({ actor, action, resource }) => void seen.push([actor, action, resource]) } })
    const { ds } = await serve({ plugins: [spy] })
    seen.length = 0 // the startup banner asked what anonymous visitors may see
    await ds.allowed({ actor: { id: 'a' }, action: 'view-database', resource: 'db' })
    await ds.allowed({ actor: null, action: 'view-instance' })
    assert.deepEqual(seen, [
      [{ id: 'a' }, 'view-database', 'db'],
      [null, 'view-instance', undefined],
    ])
  })

  it('decides whether /-/plugins.json may be seen: 403 JSON without an allow, 200 with one', async () => {
    const closed = await serve({})
    const denied = await getJson(closed, '/-/plugins.json')
    assert.equal(denied.status, 403)
    assert.equal(denied.body.error, 'You do not have permission to view this instance')
    const open = await serve({ plugins: [answers('public', (action) => (action === 'view-instance' ? true : undefined))] })
    assert.equal((await getJson(open, '/-/plugins.json')).status, 200)
  })

  it('ds.ensureAllowed throws a 403 carrying the message', async () => {
    const { ds } = await serve({})
    await assert.rejects(ds.ensureAllowed({ actor: null, action: 'view-table', resource: ['db', 't'] }, 'You do not have permission to view this table'), {
      status: 403,
      message: 'You do not have permission to view this table',
    })
  })
})
