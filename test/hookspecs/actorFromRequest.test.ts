import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { TokenInvalidError } from '../../src/errors.ts'
import { getJson, serve, type TestServer } from '../helpers.ts'

const whoami = definePlugin({
  name: 'whoami',
  hooks: { registerRoutes: () => [{ method: 'GET', path: '/-/whoami', handler: (c) => c.json({ actor: c.var.actor }) }] },
})

const headerActor = definePlugin({
  name: 'header-actor',
  hooks: {
    actorFromRequest: ({ request }) => {
      const user = request.headers.get('x-user')
      if (user === 'expired') throw new TokenInvalidError('Token has expired')
      return user ? { id: user, via: 'header' } : null
    },
  },
})

const bearerActor = definePlugin({
  name: 'bearer-actor',
  hooks: {
    actorFromRequest: async ({ request }) => {
      const auth = request.headers.get('authorization')
      return auth === 'Bearer good' ? { id: 'bearer-user', via: 'bearer' } : null
    },
  },
})

describe('hook: actorFromRequest', () => {
  it('no credentials: the actor is null (anonymous)', async () => {
    const server = await serve({ plugins: [whoami, headerActor] })
    assert.deepEqual((await getJson(server, '/-/whoami')).body, { actor: null })
  })

  it('the actor a plugin returns reaches the route', async () => {
    const server = await serve({ plugins: [whoami, headerActor] })
    const { body } = await getJson(server, '/-/whoami', { headers: { 'x-user': 'alice' } })
    assert.deepEqual(body, { actor: { id: 'alice', via: 'header' } })
  })

  it('an async implementation is awaited', async () => {
    const server = await serve({ plugins: [whoami, bearerActor] })
    const { body } = await getJson(server, '/-/whoami', { headers: { authorization: 'Bearer good' } })
    assert.deepEqual(body, { actor: { id: 'bearer-user', via: 'bearer' } })
  })

  it('the first actor wins: tryFirst beats a later registration', async () => {
    const first = definePlugin({ name: 'first', hooks: { actorFromRequest: { tryFirst: true, impl: () => ({ id: 'from-first' }) } } })
    const later = definePlugin({ name: 'later', hooks: { actorFromRequest: () => ({ id: 'from-later' }) } })
    const server = await serve({ plugins: [whoami, first, later] })
    assert.equal((await getJson(server, '/-/whoami')).body.actor.id, 'from-first')
  })

  it('a TokenInvalidError gives 401 with WWW-Authenticate and a JSON body, never anonymous access', async () => {
    const server = await serve({ plugins: [whoami, headerActor] })
    const { status, headers, body } = await getJson(server, '/-/whoami', { headers: { 'x-user': 'expired' } })
    assert.equal(status, 401)
    assert.equal(headers.get('www-authenticate'), 'Bearer error="invalid_token", error_description="Token has expired"')
    assert.deepEqual(body, { ok: false, error: 'Token has expired', errors: ['Token has expired'], status: 401 })
  })

  it('an Authorization header no plugin claims gives 401, not anonymous access', async () => {
    const server = await serve({ plugins: [whoami, bearerActor] })
    for (const value of ['Bearer typo', 'bearer good', 'Bearer ', 'Basic dXNlcjpwYXNz']) {
      const { status, headers } = await getJson(server, '/-/whoami', { headers: { authorization: value } })
      assert.equal(status, 401, value)
      assert.match(headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/)
    }
  })

  it('two Authorization headers are ambiguous: 400', async () => {
    const server = await serve({ plugins: [whoami, bearerActor] })
    const { status, body } = await rawGet(server, '/-/whoami', ['Bearer good', 'Bearer good'])
    assert.equal(status, 400)
    assert.equal(JSON.parse(body).error, 'More than one Authorization header')
  })
})

function rawGet(server: TestServer, path: string, authorization: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, server.url), (res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.setHeader('Authorization', authorization)
    req.on('error', reject)
    req.end()
  })
}
