import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { getJson, serve } from '../helpers.ts'

describe('hook: readiness', () => {
  it('/readyz is 503 with the details and Retry-After until every plugin is ready; /healthz is always 200; neither needs credentials', async () => {
    let ready = false
    const waiting = definePlugin({ name: 'waiting', hooks: { readiness: () => (ready ? { component: 'cache', ready: true } : { component: 'cache', ready: false, detail: 'warming up', retryAfter: 7 }) } })
    const server = await serve({ plugins: [waiting] })
    const before = await getJson(server, '/readyz')
    assert.equal(before.status, 503)
    assert.equal(before.headers.get('retry-after'), '7')
    assert.deepEqual(before.body, { ok: false, checks: [{ component: 'cache', ready: false, detail: 'warming up', retryAfter: 7 }] })
    assert.equal((await getJson(server, '/healthz')).status, 200)
    ready = true
    const after = await getJson(server, '/readyz')
    assert.equal(after.status, 200)
    assert.equal(after.body.ok, true)
  })

  it('with nobody answering, the server is ready', async () => {
    const { status, body } = await getJson(await serve({}), '/readyz')
    assert.equal(status, 200)
    assert.deepEqual(body, { ok: true, checks: [] })
  })
})
