import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { getJson, serve } from '../helpers.ts'

const headerActor = definePlugin({
  name: 'header-actor',
  hooks: { actorFromRequest: ({ request }) => (request.headers.get('x-user') ? { id: request.headers.get('x-user')! } : null) },
})

describe('hook: forbidden', () => {
  it('an anonymous refusal with a challenge is a 401 carrying every challenge; a signed-in actor keeps the 403', async () => {
    const seen: unknown[] = []
    const basic = definePlugin({
      name: 'basic-ish',
      hooks: {
        forbidden: ({ actor, action, resource, message }) => {
          seen.push({ actor, action, resource, message })
          return actor === null ? { challenge: 'Basic realm="dataserve", charset="UTF-8"' } : null
        },
      },
    })
    const bearer = definePlugin({ name: 'bearer-ish', hooks: { forbidden: ({ actor }) => ({ challenge: actor === null ? 'Bearer realm="dataserve"' : 'Bearer error="insufficient_scope", scope="read"' }) } })
    const server = await serve({ plugins: [headerActor, basic, bearer] })
    const anonymous = await getJson(server, '/-/plugins.json')
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.body.error, 'You do not have permission to view this instance')
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="dataserve", Basic realm="dataserve", charset="UTF-8"')
    assert.deepEqual(seen[0], { actor: null, action: 'view-instance', resource: undefined, message: 'You do not have permission to view this instance' })
    const signedIn = await getJson(server, '/-/plugins.json', { headers: { 'x-user': 'alice' } })
    assert.equal(signedIn.status, 403)
    assert.equal(signedIn.headers.get('www-authenticate'), 'Bearer error="insufficient_scope", scope="read"')
  })

  it('without any challenge a refusal stays a plain 403; a failing implementation is logged, not a 500', async () => {
    const plain = await serve({})
    assert.equal((await getJson(plain, '/-/plugins.json')).status, 403)
    const broken = definePlugin({ name: 'broken', hooks: { forbidden: () => { throw new Error('boom') } } })
    const server = await serve({ plugins: [broken] })
    const { status, headers } = await getJson(server, '/-/plugins.json')
    assert.equal(status, 403)
    assert.equal(headers.get('www-authenticate'), null)
  })
})
