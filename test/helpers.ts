// Shared test helpers: real servers on 127.0.0.1:0, real SQLite files, temp dirs, the real CLI.
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { startServer, type RunningServer, type ServeOptions } from '../src/server.ts'

export const REPO = new URL('..', import.meta.url).pathname.replace(/\/$/, '')
export const BIN = join(REPO, 'bin', 'dataserve.js')

/** A temp directory, removed when the test, suite or file that made it finishes (not inside before()). */
export function tempDir(prefix = 'dataserve-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Creates a SQLite file by running `sql`. */
export function makeDb(path: string, sql: string): string {
  const db = new Database(path)
  db.exec(sql)
  db.close()
  return path
}

export interface TestServer extends RunningServer {
  get(path: string, init?: RequestInit): Promise<Response>
}

/** Starts the real server in this process on a free port; closed when the test file finishes. */
export async function serve(options: ServeOptions = {}): Promise<TestServer> {
  const running = await startServer({ host: '127.0.0.1', port: 0, accessLog: false, notice: () => {}, secret: 'test-secret', ...options })
  after(() => running.close(100))
  return { ...running, get: (path, init) => fetch(new URL(path, running.url), init) }
}

/** GETs `path` and parses the JSON body, returning status, headers and body. */
export async function getJson(server: TestServer, path: string, init?: RequestInit) {
  const response = await server.get(path, init)
  const text = await response.text()
  let body: any
  try {
    body = JSON.parse(text)
  } catch {
    throw new Error(`${path}: expected JSON, got ${response.status} ${text.slice(0, 200)}`)
  }
  return { status: response.status, headers: response.headers, body }
}

export interface CliRun {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
  /** Resolves with the URL the server printed; rejects if it exits first. */
  url: Promise<string>
}

/** Runs `dataserve ARGS` as a child process; killed when the test file finishes. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, DATASERVE_SECRET: 'cli-test-secret', ...options.env },
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk) => (out += chunk))
  child.stderr.on('data', (chunk) => (err += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /serving .* at (http:\/\/\S+)/.exec(out)
      if (match) resolve(match[1]!)
    })
    void exited.then((code) => reject(new Error(`dataserve exited with ${code} before serving:\n${err}`)))
  })
  url.catch(() => {})
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  return { child, stdout: () => out, stderr: () => err, exited, url }
}

/** Waits until `check` holds (polling every 50 ms), failing the test with `what` after `ms`. */
export async function eventually(what: string, check: () => Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.fail(`not within ${ms} ms: ${what}`)
}
