import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { getJson, serve } from '../helpers.ts'

describe('hook: registerMiddleware', () => {
  it('wraps every request, sees error responses, and can rewrite the request before routing', async () => {
    const plugin = definePlugin({
      name: 'wrapping',
      hooks: {
        registerMiddleware: () => [
          async function stamp(c, next) {
            await next()
            c.res.headers.set('x-stamped', 'yes')
          },
          async function rewrite(c, next) {
            const url = new URL(c.req.url)
            if (url.searchParams.has('secret')) {
              url.searchParams.delete('secret')
              c.req.raw = new Request(url, c.req.raw)
            }
            await next()
          },
        ],
        registerRoutes: () => [{ method: 'GET', path: '/-/echo', handler: (c) => c.json({ url: new URL(c.req.url).search }) }],
      },
    })
    const server = await serve({ plugins: [plugin] })
    const echo = await server.get('/-/echo?secret=s3&keep=1')
    assert.equal(echo.headers.get('x-stamped'), 'yes')
    assert.deepEqual(await echo.json(), { url: '?keep=1' })
    const missing = await getJson(server, '/-/nope')
    assert.equal(missing.status, 404)
    assert.equal(missing.headers.get('x-stamped'), 'yes')
  })

  it('a middleware can answer on its own', async () => {
    const plugin = definePlugin({
      name: 'maintenance',
      hooks: { registerMiddleware: async () => [async (c) => c.json({ ok: false, error: 'maintenance' }, 503)] },
    })
    const server = await serve({ plugins: [plugin] })
    assert.equal((await server.get('/-/health.json')).status, 503)
  })
})
