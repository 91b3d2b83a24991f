import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { makeDb, runCli, tempDir } from '../helpers.ts'

const ROWS = 1_000_000

/** Resident and peak memory of a process, in MB, from /proc. */
function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1])
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

function bigDb(): string {
  return makeDb(
    join(tempDir(), 'big.db'),
    `create table big (id integer primary key, name text, score real, note text);
     with recursive c(x) as (select 1 union all select x + 1 from c where x < ${ROWS})
     insert into big select x, 'row ' || x, x * 0.5, case when x % 1000 = 0 then 'has, comma' else null end from c;`,
  )
}

/** A plugins dir with a plugin that allows everything (permissions are tested elsewhere). */
function allowFile(): string {
  const dir = tempDir()
  writeFileSync(join(dir, 'allow.js'), `export default { name: 'allow', hooks: { permissionAllowed: () => true } }`)
  return dir
}

describe('CSV streaming: _stream=on', () => {
  // One database for the suite: building a million rows is the slow part.
  const db = bigDb()
  const plugins = allowFile()

  it(`streams all ${ROWS.toLocaleString()} rows in one response with bounded memory`, { timeout: 120_000 }, async () => {
    const run = runCli([db, '--plugins-dir', plugins, '--port', '0', '--no-access-log'])
    const url = await run.url
    const before = memoryMb(run.child.pid!)
    const response = await fetch(new URL('big/big.csv?_stream=on', url))
    assert.equal(response.status, 200)
    let lines = 0
    let bytes = 0
    let tail = ''
    const decoder = new TextDecoder()
    for await (const chunk of response.body!) {
      bytes += chunk.length
      const text = decoder.decode(chunk, { stream: true })
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++
      tail = (tail + text).slice(-200)
    }
    assert.equal(lines, ROWS + 1, 'header plus every row')
    assert.ok(tail.endsWith(`${ROWS},row ${ROWS},500000.0,"has, comma"\r\n`), tail)
    const after = memoryMb(run.child.pid!)
    // Generous: V8 grows its heap while streaming (~80 MB seen); the paused-client test below is the sharp one.
    assert.ok(after.peak - before.rss < 130, `server memory grew from ${before.rss.toFixed(0)} MB to a peak of ${after.peak.toFixed(0)} MB for a ${(bytes / 1e6).toFixed(0)} MB CSV`)
    run.child.kill('SIGTERM')
    await run.exited
  })

  it('a slow client does not make the server buffer the table (backpressure)', { timeout: 60_000 }, async () => {
    const run = runCli([db, '--plugins-dir', plugins, '--port', '0', '--no-access-log'])
    const url = await run.url
    const before = memoryMb(run.child.pid!)
    let received = 0
    await new Promise<void>((resolve, reject) => {
      get(new URL('big/big.csv?_stream=on', url), (res) => {
        res.once('data', (chunk: Buffer) => {
          received += chunk.length
          res.pause()
          // Stay paused: a server without backpressure would read and buffer the whole table now.
          setTimeout(() => {
            const during = memoryMb(run.child.pid!)
            try {
              assert.ok(during.rss - before.rss < 40, `server RSS grew by ${(during.rss - before.rss).toFixed(0)} MB while the client was paused`)
            } catch (error) {
              reject(error)
              return
            }
            res.on('data', (c: Buffer) => (received += c.length))
            res.on('end', () => resolve())
            res.resume()
          }, 1500)
        })
        res.on('error', reject)
      }).on('error', reject)
    })
    assert.ok(received > 28_000_000, `the whole CSV arrived after resuming (${received} bytes)`)
    run.child.kill('SIGTERM')
    await run.exited
  })

  it('_stream is refused when allow_csv_stream is off', async () => {
    const small = makeDb(join(tempDir(), 's.db'), 'create table t (a); insert into t values (1);')
    const run = runCli([small, '--plugins-dir', plugins, '--port', '0', '-s', 'settings.allow_csv_stream', 'off'])
    const url = await run.url
    const response = await fetch(new URL('s/t.csv?_stream=on', url))
    assert.equal(response.status, 400)
    run.child.kill('SIGTERM')
    await run.exited
  })
})
