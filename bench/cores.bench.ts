// Benchmark of using every core (issue 15). Run: npm run bench:cores
// With BASELINE=<git revision> the same cases run against that revision too (checked out in
// a temporary worktree), alternating with this one in each round, so "vs before" is a
// ratio measured in one run on the same machine state.
//
//  0. the plain table page at 10 connections (npm run bench's first figure), req/s;
//  1. a filtered + sorted page (`category=cat7&_sort_desc=price&_size=50`, 100,000 rows, no
//     index on either column) at 50 connections: req/s, p50, p99;
//  2. the plain table page at 200 connections: p50, p99;
//  3. the table page's p99 alone and while five clients stream a 1,000,000-row CSV at full speed;
//  4. `--workers 2` beside `--workers 1` on the plain page and on (1).
// FIGURES=1,4 runs only those (1 and 2 are measured together).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { fullSpeedReaders, loadLatency, median, REPO, ROUNDS, SECONDS, spread, start, writeShopDb, type Latency } from './lib.ts'

const dir = mkdtempSync(join(tmpdir(), 'dataserve-cores-bench-'))
const servers: Awaited<ReturnType<typeof start>>[] = []
const FILTERED = 'shop/items.json?category=cat7&_sort_desc=price&_size=50'
const PLAIN = 'shop/items.json?_size=100'

/** A checkout of `revision` beside this one, sharing node_modules. */
function worktree(revision: string): string {
  const path = join(dir, 'baseline')
  execFileSync('git', ['worktree', 'add', '--detach', path, revision], { cwd: REPO, stdio: 'ignore' })
  symlinkSync(join(REPO, 'node_modules'), join(path, 'node_modules'))
  return path
}

async function serve(repo: string, db: string, config: string, extra: string[] = []) {
  const server = await start([join(repo, 'bin/dataserve.js'), db, '-c', config, '--port', '0', '--no-access-log', ...extra])
  servers.push(server)
  return server
}

const FIGURES = new Set((process.env.FIGURES ?? '1,2,3,4').split(',').map((f) => f.trim()))
const wanted = (...figures: string[]) => figures.some((f) => FIGURES.has(f))

const settle = () => new Promise((resolve) => setTimeout(resolve, 2000))

const fmt = (l: Latency) => `${l.rps.toFixed(0)} req/s, p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms`

async function main() {
  const shop = join(dir, 'shop.db')
  writeShopDb(shop)
  const big = join(dir, 'big.db')
  const db = new Database(big)
  db.exec(`create table items (id integer primary key, name text, price real);
    with recursive c(x) as (select 1 union all select x + 1 from c where x < 1000000)
    insert into items select x, 'item ' || x, x * 0.5 from c;`)
  db.close()
  const config = join(dir, 'datasette.yaml')
  writeFileSync(config, 'allow: true\n')

  const builds: [string, string][] = [['this', REPO]]
  if (process.env.BASELINE) builds.push([`before (${process.env.BASELINE})`, worktree(process.env.BASELINE)])

  console.log(`node ${process.version}; ${ROUNDS} rounds; wrk -t1, ${SECONDS}s per measurement`)
  // 1 and 2, per build, alternating in each round.
  if (wanted('1', '2')) await coresAndTail(builds, shop, config)
  if (wanted('3')) await duringStreams(builds, big, config)
  if (wanted('4')) await workers(shop, config)
}

async function coresAndTail(builds: [string, string][], shop: string, config: string) {
  const started = await Promise.all(builds.map(([, repo]) => serve(repo, shop, config)))
  const filtered = builds.map(() => [] as Latency[])
  const plain = builds.map(() => [] as Latency[])
  const plain10 = builds.map(() => [] as Latency[])
  for (const server of started) await loadLatency(server.url + FILTERED, 50)
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < builds.length; k++) {
      const i = (k + round) % builds.length
      filtered[i]!.push(await loadLatency(started[i]!.url + FILTERED, 50))
      // The filtered load leaves a backlog (~50 requests queued for the SQL threads) that takes
      // a second to drain; measured straight after it, the plain page's p99 is that backlog's.
      await settle()
      plain[i]!.push(await loadLatency(started[i]!.url + PLAIN, 200))
      await settle()
      plain10[i]!.push(await loadLatency(started[i]!.url + PLAIN, 10))
    }
  }
  for (const [i, [label]] of builds.entries()) {
    const f = filtered[i]!
    const p = plain[i]!
    console.log(`1. filtered + sorted page, 50 connections, ${label}: req/s ${spread(f.map((l) => l.rps))}; p50 ${spread(f.map((l) => l.p50), 1)} ms; p99 ${spread(f.map((l) => l.p99), 1)} ms; p99/p50 median ${median(f.map((l) => l.p99 / l.p50)).toFixed(1)}x`)
    console.log(`2. plain page, 200 connections, ${label}: req/s ${spread(p.map((l) => l.rps))}; p50 ${spread(p.map((l) => l.p50), 1)} ms; p99 ${spread(p.map((l) => l.p99), 1)} ms; p99/p50 median ${median(p.map((l) => l.p99 / l.p50)).toFixed(1)}x`)
  }
  for (const [i, [label]] of builds.entries()) console.log(`0. plain page, 10 connections (npm run bench's first figure), ${label}: req/s ${spread(plain10[i]!.map((l) => l.rps))}`)
  if (builds.length === 2) {
    for (const [name, results] of [['1. filtered + sorted', filtered], ['2. plain page, 200 connections,', plain], ['0. plain page, 10 connections,', plain10]] as const) {
      const ratios = results[0]!.map((l, round) => l.rps / results[1]![round]!.rps)
      console.log(`${name} req/s, this / before, per round: ${ratios.map((r) => r.toFixed(2) + 'x').join(', ')}; median ${median(ratios).toFixed(2)}x`)
    }
  }
  for (const server of servers.splice(0)) server.child.kill('SIGTERM')
}

/** 3. p99 of the table page with and without five full-speed CSV streams, per build. */
async function duringStreams(builds: [string, string][], big: string, config: string) {
  for (const [label, repo] of builds) {
    const server = await serve(repo, big, config)
    const page = `${server.url}big/items.json?_size=100`
    await loadLatency(page)
    const alone: number[] = []
    const during: number[] = []
    const ratios: number[] = []
    for (let round = 0; round < Math.min(ROUNDS, 3); round++) {
      const quiet = await loadLatency(page)
      const readers = fullSpeedReaders(`${server.url}big/items.csv?_stream=on`, 5)
      await new Promise((resolve) => setTimeout(resolve, 300))
      const busy = await loadLatency(page)
      await readers.stop()
      alone.push(quiet.p99)
      during.push(busy.p99)
      ratios.push(busy.p99 / quiet.p99)
    }
    console.log(`3. table page p99 (ms), ${label}: alone ${spread(alone, 1)}; during 5 CSV streams ${spread(during, 1)}; ratio per round ${ratios.map((r) => r.toFixed(1) + 'x').join(', ')}`)
    for (const s of servers.splice(0)) s.child.kill('SIGTERM')
  }
}

/** 4. --workers 2 beside --workers 1 (this build only; older builds have no --workers). */
async function workers(shop: string, config: string) {
  const one = await serve(REPO, shop, config, ['--workers', '1'])
  const two = await serve(REPO, shop, config, ['--workers', '2'])
  const results = new Map<string, Latency[]>()
  for (const server of [one, two]) await loadLatency(server.url + PLAIN, 10)
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, server] of round % 2 === 0 ? ([['1', one], ['2', two]] as const) : ([['2', two], ['1', one]] as const)) {
      for (const [name, path, connections] of [['plain', PLAIN, 10], ['filtered', FILTERED, 50]] as const) {
        const key = `${name} --workers ${label}`
        results.set(key, [...(results.get(key) ?? []), await loadLatency(server.url + path, connections)])
      }
    }
  }
  for (const [key, values] of results) console.log(`4. ${key}: ${fmt({ rps: median(values.map((l) => l.rps)), p50: median(values.map((l) => l.p50)), p99: median(values.map((l) => l.p99)) })} (medians)`)
  for (const name of ['plain', 'filtered']) {
    const ratios = results.get(`${name} --workers 2`)!.map((l, round) => l.rps / results.get(`${name} --workers 1`)![round]!.rps)
    console.log(`4. ${name}: --workers 2 / --workers 1 req/s, per round ${ratios.map((r) => r.toFixed(2) + 'x').join(', ')}; median ${median(ratios).toFixed(2)}x`)
  }
  for (const s of servers.splice(0)) s.child.kill('SIGTERM')
}

main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => {
    for (const server of servers) server.child.kill('SIGTERM')
    if (existsSync(join(dir, 'baseline'))) execFileSync('git', ['worktree', 'remove', '--force', join(dir, 'baseline')], { cwd: REPO, stdio: 'ignore' })
    rmSync(dir, { recursive: true, force: true })
  })
