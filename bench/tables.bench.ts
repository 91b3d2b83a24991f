// Benchmarks of the tables plugin (issue 3). Run: npm run bench
//  1. GET /DB/TABLE.json?_size=100 on a 100,000-row, 6-column table, beside (a) a bare Hono
//     route returning a small string and (b) the same query + JSON serialisation in-process,
//     without HTTP. Load generator: wrk when installed (apt-get install wrk), else
//     autocannon; servers in child processes. Median of ROUNDS rounds, each measuring all three.
//  2. CSV _stream=on of a 1,000,000-row table: rows/s and the server's peak RSS.
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderShape } from '../src/builtins/tables/render-json.ts'
import { GENERATOR, load, peakRssMb, ROUNDS, SECONDS, spread, median, start } from './lib.ts'

const dir = mkdtempSync(join(tmpdir(), 'dataserve-bench-'))

function build(path: string, rows: number) {
  const db = new Database(path)
  db.exec(`create table items (id integer primary key, name text, category text, price real, quantity integer, created text);
    with recursive c(x) as (select 1 union all select x + 1 from c where x < ${rows})
    insert into items select x, 'item ' || x, 'cat' || (x % 20), round(x * 0.37, 2), x % 1000, '2024-01-01 00:00:' || (x % 60) from c;`)
  db.close()
}

function inProcessRate(path: string): number {
  const db = new Database(path, { readonly: true })
  const stmt = db.prepare('select "id", "name", "category", "price", "quantity", "created" from "items" order by "id" limit 101').raw(true)
  const columns = ['id', 'name', 'category', 'price', 'quantity', 'created']
  const run = () => {
    const rows = stmt.all() as unknown[][]
    rows.length = 100
    const envelope = { ok: true, next: '100', next_url: 'http://127.0.0.1/bench/items.json?_size=100&_next=100', rows: true, truncated: false }
    return renderShape('objects', { columns, rows }, envelope, { jsonColumns: new Set() }).body
  }
  for (let i = 0; i < 500; i++) run()
  const started = performance.now()
  let n = 0
  while (performance.now() - started < 2000) {
    run()
    n++
  }
  db.close()
  return n / ((performance.now() - started) / 1000)
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
  const tableUrl = `${table.url}bench/items.json?_size=100`
  const page = (await (await fetch(tableUrl)).json()) as { rows: unknown[] }
  if (page.rows.length !== 100) throw new Error('unexpected page')
  await load(tableUrl) // warm up
  await load(bare.url)

  const results = { table: [] as number[], bare: [] as number[], inProcess: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    results.table.push(await load(tableUrl))
    results.bare.push(await load(bare.url))
    results.inProcess.push(inProcessRate(bench))
  }
  table.child.kill('SIGTERM')
  bare.child.kill('SIGTERM')

  console.log(`node ${process.version}; ${ROUNDS} rounds; ${GENERATOR}, ${SECONDS}s per measurement; requests/s`)
  console.log(`GET /bench/items.json?_size=100 (100,000 rows, 6 columns)   ${spread(results.table)}`)
  console.log(`(a) bare Hono route, small string                          ${spread(results.bare)}`)
  console.log(`(b) same query + JSON in-process, no HTTP (calls/s)        ${spread(results.inProcess)}`)
  const ratios = results.table.map((t, i) => t / results.inProcess[i]!)
  console.log(`table page / (b), per round: ${ratios.map((r) => (r * 100).toFixed(0) + '%').join(', ')}; median ${(median(ratios) * 100).toFixed(0)}%`)
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
}

main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }))
