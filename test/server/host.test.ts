import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { describe, it } from 'node:test'
import { fixtureDb, allowAll } from '../tables/fixtures.ts'
import { serve, type TestServer } from '../helpers.ts'

/** Sends raw bytes and returns the status and the body of the answer. */
function raw(server: TestServer, request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(request))
    let data = ''
    socket.on('data', (chunk) => (data += chunk))
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) })
    })
    socket.on('error', reject)
  })
}

const fixtures = (options = {}) => serve({ databases: [{ path: fixtureDb() }], plugins: [allowAll], ...options })

describe('the URLs dataserve writes come from a host it can trust', () => {
  it('two Host headers are a 400, not served', async () => {
    const server = await fixtures()
    const { status, body } = await raw(server, 'GET /fixtures/items.json HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n')
    assert.equal(status, 400)
    assert.match(body, /More than one Host header/)
  })

  it('a Host that is not a host name is a 400', async () => {
    const server = await fixtures()
    for (const host of ['evil.example/x?', 'a@b', 'x y', '"quoted"']) {
      const { status } = await raw(server, `GET /fixtures/items.json HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
      assert.equal(status, 400, host)
    }
  })

  it('an absolute-form request line does not put its host into next_url', async () => {
    const server = await fixtures()
    const { status, body } = await raw(server, `GET http://evil.example/fixtures/items.json?_size=2 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`)
    assert.equal(status, 200)
    const page = JSON.parse(body.includes('\r\n') && !body.startsWith('{') ? body.split('\r\n')[1]! : body)
    assert.equal(page.next_url, `http://127.0.0.1:${server.port}/fixtures/items.json?_size=2&_next=2`)
    assert.doesNotMatch(body, /evil\.example/)
  })

  it('with public_url set, next_url and Link use it whatever the Host header says', async () => {
    const server = await fixtures({ overrides: [['settings.public_url', 'https://data.example.com/']] })
    const response = await server.get('/fixtures/items.json?_size=2', { headers: { host: 'evil.example' } })
    const page = await response.json()
    assert.equal(page.next_url, 'https://data.example.com/fixtures/items.json?_size=2&_next=2')
    assert.equal(response.headers.get('link'), '<https://data.example.com/fixtures/items.json?_size=2&_next=2>; rel="next"')
  })

  it('a public_url that is not an http(s) origin stops startup, naming the setting', async () => {
    for (const bad of ['data.example.com', 'ftp://x.example', 'https://u:p@x.example', 'https://x.example/path', 'https://x.example/?q=1']) {
      await assert.rejects(fixtures({ overrides: [['settings.public_url', bad]] }), /settings\.public_url: expected an http\(s\) origin/, bad)
    }
  })
})
