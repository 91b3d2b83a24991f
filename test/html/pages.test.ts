import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { getJson, makeDb, serve, tempDir } from '../helpers.ts'

function files(yaml = 'allow: true\nallow_sql: true\n') {
  const dir = tempDir('dataserve-html-')
  const long = 'x'.repeat(3000)
  const db = makeDb(
    join(dir, 'shop.db'),
    `create table items (id integer primary key, name text, link text, data blob, note text);
     insert into items values (1, 'apple', 'https://example.com/a?b=1&c=2', x'00ff10', null), (2, '<b>pear</b>', 'javascript:alert(1)', null, '${long}');
     create table secret (id integer primary key);`,
  )
  const config = join(dir, 'datasette.yaml')
  writeFileSync(config, yaml)
  return { db, config }
}

const browser = { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } }

describe('HTML pages', () => {
  it('every page type is HTML with the security headers; the JSON URLs are unchanged', async () => {
    const { db, config } = files()
    const server = await serve({ databases: [{ path: db }], configFile: config })
    for (const path of ['/', '/shop', '/shop/items', '/shop/items/1', '/shop/-/query?sql=select+1', '/shop/-/query']) {
      const response = await server.get(path)
      assert.equal(response.status, 200, path)
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8', path)
      const csp = response.headers.get('content-security-policy')!
      assert.match(csp, /default-src 'none'/, path)
      assert.match(csp, /frame-ancestors 'none'/, path)
      assert.doesNotMatch(csp, /script-src|unsafe-inline/, path)
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path)
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path)
      assert.match(await response.text(), /^<!doctype html><html lang="en">/, path)
    }
    assert.equal((await getJson(server, '/shop/items.json')).body.rows.length, 2)
    const css = await server.get((/href="(\/-\/static\/dataserve-[0-9a-f]{12}\.css)"/.exec(await (await server.get('/')).text()) ?? [])[1]!)
    assert.equal(css.status, 200)
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8')
    assert.match(css.headers.get('cache-control')!, /immutable/)
  })

  it('cells: text escaped, NULL muted, long text cut with the whole a click away, BLOBs sized, only http(s) URLs linked', async () => {
    const { db, config } = files()
    const server = await serve({ databases: [{ path: db }], configFile: config, overrides: [['settings.truncate_cells_html', '100']] })
    const html = await (await server.get('/shop/items')).text()
    assert.ok(html.includes('&lt;b&gt;pear&lt;/b&gt;'))
    assert.ok(!html.includes('<b>pear</b>'))
    assert.ok(html.includes('<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noreferrer">'))
    assert.ok(!html.includes('href="javascript:'))
    assert.ok(html.includes('<span class="null">null</span>'))
    assert.match(await (await server.get('/shop/items/1')).text(), /<dd><a href="\/shop\/items\/1\.blob\?_blob_column=data" download="">&lt;Binary: 3 bytes&gt;<\/a><\/dd>/)
    assert.ok(html.includes('<a href="/shop/items/1.blob?_blob_column=data" download="">&lt;Binary: 3 bytes&gt;</a>'))
    const blob = await server.get('/shop/items/1.blob?_blob_column=data')
    assert.equal(blob.status, 200)
    assert.equal(blob.headers.get('content-type'), 'application/binary')
    assert.equal(blob.headers.get('content-disposition'), 'attachment; filename="items-1.blob"')
    assert.deepEqual([...new Uint8Array(await blob.arrayBuffer())], [0x00, 0xff, 0x10])
    assert.equal((await server.get('/shop/items/1.blob?_blob_column=nope')).status, 400)
    assert.equal((await server.get('/shop/items/9.blob?_blob_column=data')).status, 404)
    assert.equal((await server.get('/shop/items.blob')).status, 404)
    assert.match(html, new RegExp(`<details class="cell"><summary>x{100}…</summary>x{3000}</details>`))
  })

  it('the filter form redirects to Datasette filter URLs; sort and size survive; 22 operations offered', async () => {
    const { db, config } = files()
    const server = await serve({ databases: [{ path: db }], configFile: config })
    const submitted = await server.get('/shop/items?_filter_column_1=name&_filter_op_1=contains&_filter_value_1=pp&_filter_column_2=note&_filter_op_2=isnull&_filter_value_2=&_filter_column_3=&_filter_op_3=exact&_filter_value_3=&_sort=id&_size=5', { redirect: 'manual' })
    assert.equal(submitted.status, 302)
    assert.equal(submitted.headers.get('location'), '/shop/items?_sort=id&_size=5&name__contains=pp&note__isnull=1')
    const page = await (await server.get(submitted.headers.get('location')!)).text()
    assert.equal([...page.matchAll(/<select id="filter-op-0"[^>]*>([\s\S]*?)<\/select>/g)][0]![1]!.match(/<option/g)!.length, 22)
    assert.match(page, /<input type="hidden" name="_sort" value="id"\/>/)
    assert.match(page, /<input type="hidden" name="_size" value="5"\/>/)
  })

  it('errors for a browser are pages with the same status (and challenge); JSON URLs and API clients keep JSON', async () => {
    const { db, config } = files('databases:\n  shop:\n    tables:\n      items:\n        allow: true\nplugins:\n  basic-auth:\n    users:\n      viewer: readonly\n')
    const server = await serve({ databases: [{ path: db }], configFile: config })
    const missing = await server.get('/shop/items/99', browser)
    assert.equal(missing.status, 404)
    assert.match(missing.headers.get('content-type')!, /^text\/html/)
    assert.match(await missing.text(), /<h1>404 Not found<\/h1><p class="error">Record not found: 99<\/p>/)
    const refused = await server.get('/shop/secret', browser)
    assert.equal(refused.status, 401)
    assert.equal(refused.headers.get('www-authenticate'), 'Basic realm="dataserve", charset="UTF-8"')
    assert.match(refused.headers.get('content-type')!, /^text\/html/)
    assert.match(refused.headers.get('vary')!, /Accept/)
    const api = await getJson(server, '/shop/secret')
    assert.equal(api.status, 401, 'no Accept: text/html → JSON')
    assert.equal((await getJson(server, '/shop/nope.json', browser)).status, 404)
    const noSql = await server.get('/shop/-/query?sql=select+1', { headers: { ...browser.headers, authorization: 'Basic dmlld2VyOnJlYWRvbmx5' } })
    assert.equal(noSql.status, 403, 'signed in, but no execute-sql for anyone here: a 403 page, no prompt')
    assert.equal(noSql.headers.get('www-authenticate'), null)
    assert.match(await noSql.text(), /<h1>403 Forbidden<\/h1>/)
  })

  it('a query with an error shows it on the page (400), the SQL kept in the textarea', async () => {
    const { db, config } = files()
    const server = await serve({ databases: [{ path: db }], configFile: config })
    const response = await server.get('/shop/-/query?sql=select+nope+from+items')
    assert.equal(response.status, 400)
    const html = await response.text()
    assert.match(html, /<textarea id="sql" class="sql" name="sql">select nope from items<\/textarea>/)
    assert.match(html, /<p class="error" role="alert">[^<]*no such column: nope/)
  })

  it('links never carry a credential parameter; a page reached with one is not cached or leaked through Referer', async () => {
    const { db, config } = files('databases:\n  shop:\n    tables:\n      items:\n        allow:\n          id: reader\nplugins:\n  tokens:\n    param: _auth_token\n')
    const server = await serve({ databases: [{ path: db }], configFile: config })
    const token = await server.ds.createToken('reader')
    const response = await server.get(`/shop/items?_size=1&_auth_token=${token}`)
    assert.equal(response.status, 200)
    const html = await response.text()
    assert.ok(!html.includes(token), 'the token is nowhere in the page')
    // A spreadsheet user gets the formula for this view, with a placeholder for the token.
    const formula = /<input id="importdata" class="token" readonly="" size="90" value="([^"]+)"\/>/.exec(html)?.[1]
    assert.equal(formula, `=IMPORTDATA(&quot;${server.url}shop/items.csv?_size=1&amp;_auth_token=YOUR_TOKEN&quot;)`)
    assert.equal(html.match(/_auth_token/g)!.length, 1, 'the parameter appears in the formula only')
    // Its copy button is the one script, from this server: the policy allows just that.
    assert.match(html, /<script src="\/-\/static\/copy-[0-9a-f]{12}\.js" defer=""><\/script>/)
    assert.match(response.headers.get('content-security-policy')!, /script-src 'self';/)
    assert.match(html, /href="\/shop\/items\?_size=1&amp;_next=1"/)
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer')
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const withoutToken = await (await server.get('/shop/items?_size=1', { headers: { authorization: `Bearer ${token}` } })).text()
    assert.ok(!withoutToken.includes('IMPORTDATA'), 'only for people who came with a query-string token')
  })

  it('the row count is remembered between visits, and made again once another connection commits', async () => {
    const { db, config } = files()
    const server = await serve({ databases: [{ path: db }], configFile: config })
    const count = async () => /<p class="meta">(\d+) rows?/.exec(await (await server.get('/shop/items')).text())?.[1]
    assert.equal(await count(), '2')
    assert.equal(await count(), '2')
    const Database = (await import('better-sqlite3')).default
    const writer = new Database(db)
    writer.exec("insert into items (name) values ('plum')")
    writer.close()
    assert.equal(await count(), '3')
    assert.equal((await getJson(server, '/shop/items.json?_extra=count')).body.count, 3)
  })

  it('each row links to its page: integer keys as digits, text keys tilde-encoded and escaped, compound keys joined', async () => {
    const dir = tempDir('dataserve-html-keys-')
    const db = makeDb(
      join(dir, 'keys.db'),
      `create table plain (id integer primary key, v text); insert into plain values (-7, 'a'), (9007199254740993, 'b');
       create table named (code text primary key, v text); insert into named values ('a b/<c>.d', 'x');
       create table pairs (a text, b integer, v text, primary key (a, b)); insert into pairs values ('x,y', 2, 'z');`,
    )
    const config = join(dir, 'datasette.yaml')
    writeFileSync(config, 'allow: true\n')
    const server = await serve({ databases: [{ path: db }], configFile: config })
    const links = async (path: string) => [...(await (await server.get(path)).text()).matchAll(/<tr><td><a href="([^"]*)">([^<]*)<\/a><\/td>/g)].map((m) => [m[1], m[2]])
    assert.deepEqual(await links('/keys/plain'), [['/keys/plain/-7', '-7'], ['/keys/plain/9007199254740993', '9007199254740993']])
    assert.deepEqual(await links('/keys/named'), [['/keys/named/a+b~2F~3Cc~3E~2Ed', 'a b/&lt;c&gt;.d']])
    assert.deepEqual(await links('/keys/pairs'), [['/keys/pairs/x~2Cy,2', 'x,y, 2']])
    for (const [path] of [...(await links('/keys/plain')), ...(await links('/keys/named')), ...(await links('/keys/pairs'))]) assert.equal((await server.get(path!)).status, 200, path)
  })
})
