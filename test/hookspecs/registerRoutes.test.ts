import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { BadRequestError, HttpError } from '../../src/errors.ts'
import { startServer } from '../../src/server.ts'
import type { Route } from '../../src/types.ts'
import { getJson, serve } from '../helpers.ts'

const routes = definePlugin({
  name: 'routes',
  hooks: {
    registerRoutes: () => [
      { method: 'GET', path: '/-/hello', handler: (c) => c.json({ hello: 'world' }) },
      { method: 'GET', path: '/-/items/:id', handler: (c) => c.json({ id: c.req.param('id') }) },
      { method: 'POST', path: '/-/echo', handler: async (c) => c.json({ got: await c.req.json() }) },
      {
        method: 'GET',
        path: '/-/bad-input',
        handler: () => {
          throw new BadRequestError('_size must be a positive integer')
        },
      },
      {
        method: 'GET',
        path: '/-/conflict',
        handler: () => {
          throw new HttpError(409, 'Already exists')
        },
      },
      {
        method: 'GET',
        path: '/-/bug',
        handler: () => {
          throw new Error('secret internal detail at /srv/app.ts:42')
        },
      },
    ],
  },
})

const more = definePlugin({
  name: 'more-routes',
  hooks: { registerRoutes: async () => [{ method: 'GET', path: '/-/more', handler: (c) => c.text('more') }] },
})

describe('hook: registerRoutes', () => {
  it('serves the routes of every plugin, sync or async', async () => {
    const server = await serve({ plugins: [routes, more] })
    assert.deepEqual((await getJson(server, '/-/hello')).body, { hello: 'world' })
    assert.deepEqual((await getJson(server, '/-/items/42')).body, { id: '42' })
    assert.equal(await (await server.get('/-/more')).text(), 'more')
    const posted = await getJson(server, '/-/echo', { method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' } })
    assert.deepEqual(posted.body, { got: { a: 1 } })
  })

  it('an HttpError from a handler becomes a JSON error with its status', async () => {
    const server = await serve({ plugins: [routes] })
    const bad = await getJson(server, '/-/bad-input')
    assert.equal(bad.status, 400)
    assert.deepEqual(bad.body, { ok: false, error: '_size must be a positive integer', errors: ['_size must be a positive integer'], status: 400 })
    assert.equal((await getJson(server, '/-/conflict')).status, 409)
  })

  it('an unexpected error is a 500 JSON error with no detail or stack trace', async () => {
    const logged: string[] = []
    const originalWrite = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((chunk: string) => (logged.push(String(chunk)), true)) as typeof process.stderr.write
    try {
      const server = await serve({ plugins: [routes] })
      const { status, body } = await getJson(server, '/-/bug')
      assert.equal(status, 500)
      assert.deepEqual(body, { ok: false, error: 'Internal server error', errors: ['Internal server error'], status: 500 })
    } finally {
      process.stderr.write = originalWrite
    }
    assert.ok(logged.some((line) => line.includes('secret internal detail')), 'the detail goes to the operator log')
  })

  it('an unknown path is a 404 JSON error', async () => {
    const server = await serve({ plugins: [routes] })
    const { status, body } = await getJson(server, '/no/such/page')
    assert.equal(status, 404)
    assert.deepEqual(body, { ok: false, error: 'Database not found: no', errors: ['Database not found: no'], status: 404 })
    const post = await getJson(server, '/-/hello', { method: 'POST' })
    assert.deepEqual(post.body, { ok: false, error: 'Not found', errors: ['Not found'], status: 404 })
  })

  it('a malformed route stops startup with the path in the message', async () => {
    const broken = definePlugin({
      name: 'broken-routes',
      hooks: { registerRoutes: () => [{ method: 'GET', path: 'no-slash', handler: (c) => c.text('') } as Route] },
    })
    await assert.rejects(startServer({ port: 0, plugins: [broken], notice: () => {} }), /route "no-slash": path must be a string starting with '\/'/)
  })
})
