// Benchmarks of the tables plugin (issue 3). Run: npm run bench
//  1. GET /DB/TABLE.json?_size=100 on a 100,000-row, 6-column table, beside
//     (a) a bare Hono route returning a small string;
//     (c) the same page from a bare Hono route calling the same function, with no plugins
//         (bench/page-baseline.ts): what HTTP alone costs; (c') the same from node:http alone;
//     (b) the same query + JSON serialisation in-process, without HTTP, done as the server
//         does it (SQLite builds the JSON: page-json.ts);
//     (b0) the plain way in-process: rows into JavaScript, then JSON.stringify.
//     Load generator: wrk when installed (apt-get install wrk), else autocannon; servers in
//     child processes. Median of ROUNDS rounds, each measuring all six.
//  2. CSV _stream=on of a 1,000,000-row table: rows/s and the server's peak RSS.
//  3. The table page's p99 latency alone and while five clients stream the 1,000,000-row
//     table's CSV as fast as they can read (the event loop must stay free meanwhile).
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabases, type DatabaseHandle } from '../src/databases.ts'
import { pageJson } from '../src/builtins/tables/page.ts'
import { envelopeJson, renderShape } from '../src/builtins/tables/render-json.ts'
import { schemaFor } from '../src/builtins/tables/schema.ts'
import type { TableQuery } from '../src/builtins/tables/table-query.ts'
import { fullSpeedReaders, GENERATOR, load, loadLatency, peakRssMb, ROUNDS, SECONDS, spread, median, start } from './lib.ts'

const dir = mkdtempSync(join(tmpdir(), 'dataserve-bench-'))

function build(path: string, rows: number) {
  const db = new Database(path)
  db.exec(`create table items (id integer primary key, name text, category text, price real, quantity integer, created text);
    with recursive c(x) as (select 1 union all select x + 1 from c where x < ${rows})
    insert into items select x, 'item ' || x, 'cat' || (x % 20), round(x * 0.37, 2), x % 1000, '2024-01-01 00:00:' || (x % 60) from c;`)
  db.close()
}

/** Calls per second of `run`, after a warm-up, over two seconds. */
async function callRate(run: () => unknown): Promise<number> {
  for (let i = 0; i < 500; i++) await run()
  const started = performance.now()
  let n = 0
  while (performance.now() - started < 2000) {
    await run()
    n++
  }
  return n / ((performance.now() - started) / 1000)
}

const COLUMNS = ['id', 'name', 'category', 'price', 'quantity', 'created']
const ENVELOPE = { ok: true, next: '100', next_url: 'http://127.0.0.1/bench/items.json?_size=100&_next=100', rows: true, truncated: false }

/** (b) What the server does for the page, without HTTP: its own query and serialisation (page.ts). */
async function serverPathRate(path: string): Promise<number> {
  const [db] = openDatabases([{ path }]) as [DatabaseHandle]
  const table = schemaFor(db).tables.get('items')!
  const q: TableQuery = { table, columns: COLUMNS, keys: ['id'], where: [], params: {}, keyset: null, userSql: false, size: 100, offset: 0, humanDescription: '' }
  const rate = await callRate(async () => envelopeJson(ENVELOPE, (await pageJson(db, q, 1000))!.rowsJson))
  db.connection.close()
  return rate
}

/** (b0) The plain way: rows into JavaScript arrays, then JSON.stringify (what the server did before page-json.ts). */
async function rowsPathRate(path: string): Promise<number> {
  const db = new Database(path, { readonly: true })
  const stmt = db.prepare('select "id", "name", "category", "price", "quantity", "created" from "items" order by "id" limit 101').raw(true)
  const rate = await callRate(() => {
    const rows = stmt.all() as unknown[][]
    rows.length = 100
    return renderShape('objects', { columns: COLUMNS, rows }, ENVELOPE, { jsonColumns: new Set() }).body
  })
  db.close()
  return rate
}

async function main() {
  const pluginsDir = join(dir, 'plugins')
  await import('node:fs').then((fs) => fs.mkdirSync(pluginsDir))
  writeFileSync(join(pluginsDir, 'allow.js'), `export default { name: 'allow', hooks: { permissionAllowed: () => true } }`)
  const bench = join(dir, 'bench.db')
  build(bench, 100_000)
  const big = join(dir, 'big.db')
  build(big, 1_000_000)

  const table = await start(['bin/dataserve.js', bench, '--plugins-dir', pluginsDir, '--port', '0', '--no-access-log'])
  const bare = await start(['--import', 'tsx', 'bench/bare-hono.ts'])
  const baseline = await start(['--import', 'tsx', 'bench/page-baseline.ts', bench])
  const nodeBaseline = await start(['--import', 'tsx', 'bench/page-baseline.ts', bench, 'node'])
  const tableUrl = `${table.url}bench/items.json?_size=100`
  const page = (await (await fetch(tableUrl)).json()) as { rows: unknown[] }
  if (page.rows.length !== 100) throw new Error('unexpected page')
  await load(tableUrl) // warm up
  await load(bare.url)
  const baselineUrl = `${baseline.url}bench/items.json?_size=100`
  const nodeBaselineUrl = `${nodeBaseline.url}bench/items.json?_size=100`
  await load(baselineUrl)
  await load(nodeBaselineUrl)

  const results = { table: [] as number[], bare: [] as number[], baseline: [] as number[], nodeBaseline: [] as number[], inProcess: [] as number[], rowsPath: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    results.table.push(await load(tableUrl))
    results.bare.push(await load(bare.url))
    results.baseline.push(await load(baselineUrl))
    results.nodeBaseline.push(await load(nodeBaselineUrl))
    results.inProcess.push(await serverPathRate(bench))
    results.rowsPath.push(await rowsPathRate(bench))
  }
  table.child.kill('SIGTERM')
  bare.child.kill('SIGTERM')
  baseline.child.kill('SIGTERM')
  nodeBaseline.child.kill('SIGTERM')

  console.log(`node ${process.version}; ${ROUNDS} rounds; ${GENERATOR}, ${SECONDS}s per measurement; requests/s`)
  console.log(`GET /bench/items.json?_size=100 (100,000 rows, 6 columns)   ${spread(results.table)}`)
  console.log(`(a) bare Hono route, small string                          ${spread(results.bare)}`)
  console.log(`(c) the same page from a bare Hono route, no plugins        ${spread(results.baseline)}`)
  console.log(`(c') the same page from node:http alone, no Hono           ${spread(results.nodeBaseline)}`)
  console.log(`(b) the server's query + JSON in-process, no HTTP (calls/s) ${spread(results.inProcess)}`)
  console.log(`(b0) rows into JS + JSON.stringify in-process (calls/s)     ${spread(results.rowsPath)}`)
  for (const [label, baseline] of [['(b)', results.inProcess], ['(b0)', results.rowsPath], ['(c)', results.baseline]] as const) {
    const ratios = results.table.map((t, i) => t / baseline[i]!)
    console.log(`table page / ${label}, per round: ${ratios.map((r) => (r * 100).toFixed(0) + '%').join(', ')}; median ${(median(ratios) * 100).toFixed(0)}%`)
  }
  for (const [label, server] of [['(c)', results.baseline], ["(c')", results.nodeBaseline]] as const) {
    const ceiling = server.map((rate, i) => rate / results.inProcess[i]!)
    console.log(`${label} / (b), what HTTP alone leaves of the in-process rate: median ${(median(ceiling) * 100).toFixed(0)}%`)
  }
  console.log(`table page / (a), median: ${((median(results.table) / median(results.bare)) * 100).toFixed(0)}%`)

  const streamRates: number[] = []
  const peaks: number[] = []
  for (let round = 0; round < Math.min(ROUNDS, 3); round++) {
    const server = await start(['bin/dataserve.js', big, '--plugins-dir', pluginsDir, '--port', '0', '--no-access-log'])
    const started = performance.now()
    const response = await fetch(`${server.url}big/items.csv?_stream=on`)
    let lines = 0
    for await (const chunk of response.body!) for (const byte of chunk as Uint8Array) if (byte === 10) lines++
    const seconds = (performance.now() - started) / 1000
    if (lines !== 1_000_001) throw new Error(`streamed ${lines} lines`)
    streamRates.push(1_000_000 / seconds)
    peaks.push(peakRssMb(server.child.pid!))
    server.child.kill('SIGTERM')
  }
  console.log(`CSV _stream=on, 1,000,000 rows: rows/s ${spread(streamRates)}; server peak RSS MB ${spread(peaks)}`)

  const streaming = await start(['bin/dataserve.js', big, '--plugins-dir', pluginsDir, '--port', '0', '--no-access-log'])
  const bigPage = `${streaming.url}big/items.json?_size=100`
  await load(bigPage)
  const alone: number[] = []
  const during: number[] = []
  const ratios: number[] = []
  let streamsDone = 0
  for (let round = 0; round < Math.min(ROUNDS, 3); round++) {
    const quiet = await loadLatency(bigPage)
    const readers = fullSpeedReaders(`${streaming.url}big/items.csv?_stream=on`, 5)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const busy = await loadLatency(bigPage)
    streamsDone += await readers.stop()
    alone.push(quiet.p99)
    during.push(busy.p99)
    ratios.push(busy.p99 / quiet.p99)
  }
  streaming.child.kill('SIGTERM')
  console.log(`table page p99 (ms), alone ${spread(alone, 1)}; during 5 full-speed CSV streams ${spread(during, 1)}; ratio per round ${ratios.map((r) => r.toFixed(1) + 'x').join(', ')} (${streamsDone} whole streams read meanwhile)`)
}

main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }))
