// Benchmarks of the permissions plugin (issue 4). Run: npm run bench:permissions
//  1. ns per ds.allowed() decision with the built-in rules and a 20-table config (in-process,
//     outside a request so nothing is cached), beside a direct function call baseline.
//  2. GET /DB/TABLE.json?_size=100 req/s under default deny with a matching allow rule,
//     beside the same page under --default-allow, measured alternately in one run.
import Database from 'better-sqlite3'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDataserve } from '../src/server.ts'
import type { Actor, Resource } from '../src/types.ts'
import { GENERATOR, load, median, ROUNDS, SECONDS, spread, start } from './lib.ts'

const dir = mkdtempSync(join(tmpdir(), 'dataserve-perm-bench-'))

async function main() {
  const path = join(dir, 'shop.db')
  const db = new Database(path)
  for (let t = 0; t < 20; t++) db.exec(`create table t${t} (id integer primary key, v text); insert into t${t} values (1, 'x');`)
  db.exec(`create table items (id integer primary key, name text, category text, price real, quantity integer, created text);
    with recursive c(x) as (select 1 union all select x + 1 from c where x < 100000)
    insert into items select x, 'item ' || x, 'cat' || (x % 20), round(x * 0.37, 2), x % 1000, '2024-01-01' from c;`)
  db.close()
  // 20 tables, each with its own rule, plus database- and instance-level rules.
  const tables = Array.from({ length: 20 }, (_, t) => `      t${t}:\n        allow:\n          id: [user${t}, admin]\n`).join('')
  const config = join(dir, 'datasette.yaml')
  writeFileSync(config, `allow:\n  id: "*"\ndatabases:\n  shop:\n    allow:\n      id: [admin, analyst]\n    tables:\n${tables}      items:\n        allow: true\n`)

  const ds = await createDataserve({ databases: [{ path }], configFile: config, notice: () => {}, secret: 'bench' })
  const actors: (Actor | null)[] = [null, { id: 'admin' }, { id: 'user3' }, { id: 'analyst' }, { id: 'user19', _r: { d: { shop: ['vt'] } } }]
  const questions: [Actor | null, string, Resource][] = []
  for (const actor of actors) for (let t = 0; t < 20; t++) questions.push([actor, 'view-table', ['shop', `t${t}`]])
  const direct = (actor: Actor | null, _action: string, resource: Resource) => actor !== null && Array.isArray(resource)
  const N = 200_000
  const time = async (fn: (i: number) => unknown) => {
    const started = process.hrtime.bigint()
    for (let i = 0; i < N; i++) await fn(i)
    return Number(process.hrtime.bigint() - started) / N
  }
  const decide = (i: number) => {
    const [actor, action, resource] = questions[i % questions.length]!
    return ds.allowed({ actor, action, resource })
  }
  const baseline = async (i: number) => {
    const [actor, action, resource] = questions[i % questions.length]!
    return direct(actor, action, resource)
  }
  await time(decide)
  await time(baseline)
  const ns: number[] = []
  const baselineNs: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    ns.push(await time(decide))
    baselineNs.push(await time(baseline))
  }
  await ds.close()

  const plugins = join(dir, 'plugins')
  mkdirSync(plugins)
  const denyConfig = join(dir, 'deny.yaml')
  writeFileSync(denyConfig, 'databases:\n  shop:\n    tables:\n      items:\n        allow: true\n')
  const denied = await start(['bin/dataserve.js', path, '-c', denyConfig, '--port', '0', '--no-access-log'])
  const open = await start(['bin/dataserve.js', path, '--default-allow', '--port', '0', '--no-access-log'])
  const page = 'shop/items.json?_size=100'
  await load(denied.url + page)
  await load(open.url + page)
  const rps = { denyAllow: [] as number[], defaultAllow: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    rps.denyAllow.push(await load(denied.url + page))
    rps.defaultAllow.push(await load(open.url + page))
  }
  denied.child.kill('SIGTERM')
  open.child.kill('SIGTERM')

  console.log(`node ${process.version}; ${ROUNDS} rounds`)
  console.log(`ds.allowed() with built-in rules, 20-table config, no cache: ns/call ${spread(ns)}; direct function call baseline ${spread(baselineNs, 1)}`)
  console.log(`table page req/s, ${GENERATOR}, ${SECONDS}s each:`)
  console.log(`  default deny + matching allow rule   ${spread(rps.denyAllow)}`)
  console.log(`  --default-allow                      ${spread(rps.defaultAllow)}`)
  const ratios = rps.denyAllow.map((r, i) => r / rps.defaultAllow[i]!)
  console.log(`  ratio per round: ${ratios.map((r) => (r * 100).toFixed(1) + '%').join(', ')}; median ${(median(ratios) * 100).toFixed(1)}%`)
}

main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }))
