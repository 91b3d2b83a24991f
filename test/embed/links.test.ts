import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { grantFor } from '../../src/builtins/embed/plugin.ts'
import { signEmbed } from '../../src/builtins/embed/token.ts'
import { getJson, makeDb, serve, tempDir } from '../helpers.ts'

async function world(yaml = 'databases:\n  shop:\n    allow: true\nplugins:\n  embed:\n    allowed_origins: [https://intranet.example.com]\n', secret: string | string[] = 'test-secret') {
  const dir = tempDir('dataserve-embed-')
  const db = makeDb(join(dir, 'shop.db'), "create table items (id integer primary key, category text, price real); insert into items values (1, 'beta', 2), (2, 'beta', 20), (3, 'alpha', 5);")
  const config = join(dir, 'datasette.yaml')
  writeFileSync(config, yaml)
  return serve({ databases: [{ path: db }], configFile: config, secret })
}

function link(server: Awaited<ReturnType<typeof world>>, target: string, expiresAfter = 600, actor: string | null = null) {
  const grant = grantFor(server.ds, target, actor, expiresAfter)
  const query = new URLSearchParams(grant.locked)
  query.append('_embed', signEmbed(server.ds.hmacKeys('embed')[0]!, grant))
  return `${grant.path}?${query}`
}

describe('signed embed links', () => {
  it('a link renders its page, framable by the allowed origins only; other pages stay unframable', async () => {
    const server = await world()
    const page = await server.get(link(server, '/shop/items?category=beta'))
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-security-policy')!, /frame-ancestors https:\/\/intranet\.example\.com$/)
    assert.equal(page.headers.get('x-frame-options'), null)
    const plain = await server.get('/shop/items?category=beta')
    assert.match(plain.headers.get('content-security-policy')!, /frame-ancestors 'none'/)
    assert.equal(plain.headers.get('x-frame-options'), 'DENY')
  })

  it('another path → 403; a changed or removed locked parameter → 403; an added filter narrows and is fine', async () => {
    const server = await world()
    const url = link(server, '/shop/items?category=beta&_sort_desc=price')
    assert.equal((await server.get(url.replace('/shop/items', '/shop/items.json'))).status, 403)
    assert.equal((await server.get(url.replace('category=beta', 'category=alpha'))).status, 403)
    assert.equal((await server.get(url.replace('category=beta&', ''))).status, 403)
    assert.equal((await server.get(url.replace('_sort_desc=price', '_sort_desc=id'))).status, 403)
    assert.equal((await server.get(`${url}&_sort=id`)).status, 403, 'a locked sort cannot be replaced by the other kind')
    assert.equal((await server.get(`${url}&_where=1%3D1`)).status, 403)
    assert.equal((await server.get(`${url}&price__gt=10`)).status, 200)
  })

  it('expired → 401; garbage, non-ASCII, or another secret → 401, never 500', async () => {
    const server = await world()
    const other = await world(undefined, 'another-secret')
    const grant = grantFor(server.ds, '/shop/items', null, 600, Math.floor(Date.now() / 1000) - 3600)
    const expired = `/shop/items?_embed=${signEmbed(server.ds.hmacKeys('embed')[0]!, grant)}`
    assert.equal((await getJson(server, expired)).status, 401)
    for (const token of ['garbage', 'e1.a.b.c', '%C3%A9%C3%A9', 'e1..' + 'x'.repeat(9000)]) assert.equal((await getJson(server, `/shop/items?_embed=${token}`)).status, 401, token)
    assert.equal((await getJson(server, link(other, '/shop/items'))).status, 401, 'signed by another server')
  })

  it('secrets rotate: a link signed with the old secret still works while it is configured', async () => {
    const old = await world(undefined, 'old-secret')
    const url = link(old, '/shop/items')
    const rotated = await world(undefined, ['new-secret', 'old-secret'])
    assert.equal((await rotated.get(url)).status, 200)
  })

  it('an expiry is required (unless allowed) and capped', async () => {
    const server = await world()
    assert.throws(() => grantFor(server.ds, '/shop/items', null, undefined), /needs an expiry/)
    assert.throws(() => grantFor(server.ds, '/shop/items', null, 365 * 86400), /max_expires_secs/)
  })

  it('POST /-/embed-links (create-embed) makes a link acting as its creator or as anonymous; the next page keeps the link', async () => {
    const server = await world('databases:\n  shop:\n    allow: true\npermissions:\n  create-embed:\n    id: editor\nplugins:\n  embed:\n    allowed_origins: [https://intranet.example.com]\n')
    const token = await server.ds.createToken('editor')
    const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${token}` }) =>
      getJson(server, '/-/embed-links', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    assert.equal((await post({ path: '/shop/items', expires_after: 60 }, {})).status, 403)
    const made = await post({ path: '/shop/items?category=beta&_size=1', expires_after: 60, as_anonymous: true })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    assert.equal(made.body.actor, null)
    const url = new URL(made.body.url)
    assert.equal(url.searchParams.get('category'), 'beta')
    const page = await (await server.get(url.pathname + url.search)).text()
    const next = /<a href="([^"]+)" rel="next">/.exec(page)![1]!.replace(/&amp;/g, '&')
    assert.match(next, /_embed=/)
    assert.equal((await server.get(next)).status, 200, 'the next page is inside the link')
    assert.doesNotMatch(page, /<header|form class="filters"|IMPORTDATA/)
    assert.equal((await post({ path: '/shop/items' })).status, 400, 'an expiry is required')
    const mine = await post({ path: '/shop/items', expires_after: 60 })
    assert.equal(mine.body.actor, 'editor')
  })

  it('`dataserve embed-link` prints a link the server accepts', async () => {
    const { runCli } = await import('../helpers.ts')
    const server = await world()
    const run = runCli(['embed-link', '/shop/items?category=beta', '--expires-after', '600', '--secret', 'test-secret', '--base', server.url])
    assert.equal(await run.exited, 0, run.stderr())
    const printed = run.stdout().trim()
    assert.match(printed, /^http:\/\/127\.0\.0\.1:\d+\/shop\/items\?category=beta&_embed=e1\./)
    assert.equal((await fetch(printed)).status, 200)
    const missing = runCli(['embed-link', '/shop/items', '--secret', 'test-secret'])
    assert.equal(await missing.exited, 2, 'a usage error')
    assert.match(missing.stderr(), /needs an expiry/)
  })
})
