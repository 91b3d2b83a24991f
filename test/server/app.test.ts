import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { redactUrl } from '../../src/redact.ts'
import { getJson, serve } from '../helpers.ts'

const hello = definePlugin({
  name: 'hello',
  hooks: { registerRoutes: () => [{ method: 'GET', path: '/-/hello', handler: (c) => c.json({ hello: 'world' }) }] },
})

describe('the app', () => {
  it('--cors adds CORS headers and answers preflight requests', async () => {
    const server = await serve({ plugins: [hello], cors: true })
    const response = await server.get('/-/hello')
    assert.equal(response.headers.get('access-control-allow-origin'), '*')
    assert.equal(response.headers.get('access-control-expose-headers'), 'Link')
    const preflight = await server.get('/-/hello', { method: 'OPTIONS' })
    assert.equal(preflight.status, 204)
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/)
  })

  it('without --cors there are no CORS headers', async () => {
    const server = await serve({ plugins: [hello] })
    assert.equal((await server.get('/-/hello')).headers.get('access-control-allow-origin'), null)
  })

  it('HEAD is answered for GET routes, with no body', async () => {
    const server = await serve({ plugins: [hello] })
    const response = await server.get('/-/hello', { method: 'HEAD' })
    assert.equal(response.status, 200)
    assert.equal(await response.text(), '')
  })

  it('a method a route does not have is a JSON 404', async () => {
    const server = await serve({ plugins: [hello] })
    const { status, body } = await getJson(server, '/-/hello', { method: 'DELETE' })
    assert.equal(status, 404)
    assert.equal(body.ok, false)
  })

  it('the health check answers without any permission', async () => {
    const server = await serve({})
    assert.deepEqual((await getJson(server, '/-/health.json')).body, { ok: true })
  })

  it('/-/versions.json, /-/settings.json and /-/hooks.json need view-instance, then describe the instance', async () => {
    const closed = await serve({})
    for (const path of ['/-/versions.json', '/-/settings.json', '/-/hooks.json']) assert.equal((await getJson(closed, path)).status, 403, path)
    const open = definePlugin({ name: 'open', hooks: { permissionAllowed: ({ action }) => (action === 'view-instance' ? true : undefined) } })
    const server = await serve({ plugins: [hello, open], overrides: [['settings.default_page_size', '20']] })
    const versions = (await getJson(server, '/-/versions.json')).body
    assert.match(versions.sqlite.version, /^3\.\d+\.\d+$/)
    assert.equal(versions.node.version, process.versions.node)
    assert.equal((await getJson(server, '/-/settings.json')).body.default_page_size, 20)
    const hooks = (await getJson(server, '/-/hooks.json')).body
    assert.deepEqual(hooks.registerRoutes.map((h: { plugin: string }) => h.plugin), ['hello', 'dataserve.tokens', 'dataserve.embed', 'dataserve.actor-cookie', 'dataserve.permissions', 'dataserve.introspection', 'dataserve.html', 'dataserve.tables'])
    assert.deepEqual(hooks.permissionAllowed, [{ plugin: 'open' }, { plugin: 'dataserve.oidc' }, { plugin: 'dataserve.basic-auth' }, { plugin: 'dataserve.api-key' }, { plugin: 'dataserve.permissions' }])
  })
})

describe('log redaction', () => {
  it('masks secret-looking query parameters and keeps the rest', () => {
    assert.equal(redactUrl('http://h:1/db/t.csv?_stream=on&_auth_token=dstok_abc&_size=5'), '/db/t.csv?_stream=on&_auth_token=***&_size=5')
    assert.equal(redactUrl('http://h/x?api_key=1&password=2&client_secret=3&q=token'), '/x?api_key=***&password=***&client_secret=***&q=token')
    assert.equal(redactUrl('http://h/x?%5Fauth%5Ftoken=abc'), '/x?%5Fauth%5Ftoken=***')
    assert.equal(redactUrl('http://h/plain'), '/plain')
  })
})

describe("Datasette's instance JSON", () => {
  it('/-/databases.json lists the databases the actor may view; versions and settings say ok', async () => {
    const { makeDb, tempDir } = await import('../helpers.ts')
    const { join } = await import('node:path')
    const { definePlugin } = await import('../../src/define-plugin.ts')
    const dir = tempDir()
    const onlyOpen = definePlugin({ name: 'only-open', hooks: { permissionAllowed: ({ action, resource }) => action === 'view-instance' || resource === 'open' || (action !== 'view-database' && undefined) } })
    const server = await serve({ databases: [{ path: makeDb(join(dir, 'open.db'), 'create table t (a)') }, { path: makeDb(join(dir, 'closed.db'), 'create table t (a)') }, { path: ':memory:' }], plugins: [onlyOpen] })
    const { body } = await getJson(server, '/-/databases.json')
    assert.equal(body.ok, true)
    assert.deepEqual(body.databases.map((db: any) => db.name), ['open'])
    assert.deepEqual(Object.keys(body.databases[0]), ['name', 'route', 'path', 'size', 'is_mutable', 'is_memory', 'hash'])
    assert.equal(body.databases[0].is_mutable, true)
    assert.equal((await getJson(server, '/-/versions.json')).body.ok, true)
    assert.equal((await getJson(server, '/-/settings.json')).body.ok, true)
  })
})
