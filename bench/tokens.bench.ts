// Benchmark of the token paths (issue 5). Run: npm run bench:tokens
// GET /DB/TABLE.json?_size=100 req/s: anonymous on a public server, beside the same page
// with a signed token, a managed token and a query-string token, measured in turn in one run.
import Database from 'better-sqlite3'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GENERATOR, load, median, REPO, ROUNDS, SECONDS, spread, start } from './lib.ts'

const dir = mkdtempSync(join(tmpdir(), 'dataserve-tokens-bench-'))

async function main() {
  const path = join(dir, 'shop.db')
  const db = new Database(path)
  db.exec(`create table items (id integer primary key, name text, category text, price real, quantity integer, created text);
    with recursive c(x) as (select 1 union all select x + 1 from c where x < 100000)
    insert into items select x, 'item ' || x, 'cat' || (x % 20), round(x * 0.37, 2), x % 1000, '2024-01-01' from c;`)
  db.close()
  const config = join(dir, 'datasette.yaml')
  writeFileSync(config, 'allow: true\nplugins:\n  tokens:\n    param: _auth_token\n')
  const internal = join(dir, 'internal.db')
  const cli = (args: string[]) => spawnSync(process.execPath, ['bin/dataserve.js', ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, DATASERVE_SECRET: 'bench' } }).stdout.trim()
  const signed = cli(['create-token', 'reader', '--secret', 'bench'])
  const managed = cli(['tokens', 'create', 'reader', '--internal', internal, '--create'])
  const server = await start(['bin/dataserve.js', path, '-c', config, '--internal', internal, '--port', '0', '--no-access-log'])
  const page = `${server.url}shop/items.json?_size=100`
  const cases: [string, string, Record<string, string>][] = [
    ['anonymous, public', page, {}],
    ['signed token (Bearer)', page, { Authorization: `Bearer ${signed}` }],
    ['managed token (Bearer)', page, { Authorization: `Bearer ${managed}` }],
    ['query-string token (signed)', `${page}&_auth_token=${signed}`, {}],
  ]
  for (const [, url, headers] of cases) {
    const response = await fetchOnce(url, headers)
    if (response.status !== 200) throw new Error(`${url}: ${response.status} ${await response.text()}`)
    await load(url, headers)
  }
  const results = cases.map(() => [] as number[])
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order every round, so no case always runs first (or right after a pause).
    for (let k = 0; k < cases.length; k++) {
      const i = (k + round) % cases.length
      const [, url, headers] = cases[i]!
      results[i]!.push(await load(url, headers))
    }
  }
  server.child.kill('SIGTERM')
  console.log(`node ${process.version}; ${ROUNDS} rounds; ${GENERATOR}, ${SECONDS}s each; GET /shop/items.json?_size=100, requests/s`)
  for (const [i, [label]] of cases.entries()) {
    const ratios = results[i]!.map((r, round) => r / results[0]![round]!)
    console.log(`  ${label.padEnd(30)} ${spread(results[i]!)}   vs anonymous, median of per-round ratios ${(median(ratios) * 100).toFixed(1)}%`)
  }
}

/** A check request; retried once because a pooled keep-alive connection may have just been closed by the server. */
async function fetchOnce(url: string, headers: Record<string, string>): Promise<Response> {
  try {
    return await fetch(url, { headers })
  } catch {
    return fetch(url, { headers })
  }
}

main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => {
    rmSync(dir, { recursive: true, force: true })
    process.exit()
  })
