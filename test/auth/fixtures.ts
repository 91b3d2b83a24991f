// Shared by the auth tests: a served database, a config file, and raw HTTP for bytes fetch will not send.
import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { makeDb, serve, tempDir, type TestServer } from '../helpers.ts'
import type { ServeOptions } from '../../src/server.ts'

export function authFiles(yaml: string) {
  const dir = tempDir('dataserve-auth-')
  const db = makeDb(join(dir, 'sales.db'), "create table orders (id integer primary key, item text); insert into orders values (1, 'apple'), (2, 'pear'); create table notes (id integer primary key, body text); insert into notes values (1, 'public');")
  const config = join(dir, 'datasette.yaml')
  writeFileSync(config, yaml)
  return { dir, db, config }
}

/** A server on `yaml`; the failed-credential limiter is off unless the YAML sets it. */
export async function authServer(yaml: string, options: ServeOptions = {}): Promise<TestServer & { config: string; dir: string }> {
  const files = authFiles(yaml.includes('failed_credentials_limit') ? yaml : `settings:\n  failed_credentials_limit: false\n${yaml}`)
  const server = await serve({ databases: [{ path: files.db }], configFile: files.config, ...options })
  return Object.assign(server, { config: files.config, dir: files.dir })
}

export const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`, 'utf8').toString('base64')

export interface RawResponse {
  status: number
  /** Header lines as sent, names lower-cased, in order. */
  headers: [string, string][]
  body: string
}

/** Sends `head` (request line and headers, without the final blank line) as bytes; one request, then close. */
export function rawRequest(port: number, head: string | Buffer, { localAddress }: { localAddress?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => {
      socket.write(Buffer.concat([Buffer.isBuffer(head) ? head : Buffer.from(head, 'latin1'), Buffer.from('\r\nConnection: close\r\n\r\n')]))
    })
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const split = text.indexOf('\r\n\r\n')
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n')
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0),
        headers: lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
        body: text.slice(split + 4),
      })
    })
    socket.on('error', reject)
  })
}

export const headerValues = (response: RawResponse, name: string) => response.headers.filter(([key]) => key === name).map(([, value]) => value)
