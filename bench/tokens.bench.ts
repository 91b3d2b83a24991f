// Benchmark of the credential paths (issues 5, 12 and 13). Run: npm run bench:tokens
// GET /DB/TABLE.json?_size=100 req/s: anonymous on a public server, beside the same page
// with a signed token, a managed token, a query-string token, an OIDC JWT from a real
// OpenID provider (demo/local-idp.ts), HTTP Basic (a plain password, and a scrypt hash
// whose check is remembered) and an API key, measured in turn in one run; then the provider's
// requests during 1,000 requests with 200 made-up kids. Last, the same requests in this
// process through app.fetch (no network, no load generator): µs per request, far less noisy
// than req/s on a busy machine.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LOCAL_AUDIENCE, startLocalIdp } from '../demo/local-idp.ts'
import { buildApp } from '../src/app.ts'
import { hashPassword } from '../src/builtins/basic-auth/password-hash.ts'
import { createDataserve } from '../src/server.ts'
import { GENERATOR, load, median, REPO, ROUNDS, SECONDS, spread, start, writeShopDb } from './lib.ts'

const dir = mkdtempSync(join(tmpdir(), 'dataserve-tokens-bench-'))

async function main() {
  const path = join(dir, 'shop.db')
  writeShopDb(path)
  // The provider runs in this process; wrk (or autocannon) only ever talks to dataserve.
  // The failed-credential limiter is off so that all of the kid storm reaches the verifier.
  const idp = await startLocalIdp([{ id: 'bench', alg: 'RS256' }], { ttlSecs: 24 * 3600 })
  const jwt = await idp.token('bench', 'datasets:read')
  const config = join(dir, 'datasette.yaml')
  writeFileSync(
    config,
    `allow: true\nsettings:\n  failed_credentials_limit: false\nplugins:\n  tokens:\n    param: _auth_token\n  oidc:\n    issuer: ${idp.issuer}\n    audience: ${LOCAL_AUDIENCE}\n    read_scopes: [datasets:read]\n` +
      `  basic-auth:\n    users:\n      reader: plain-password-1\n      hashed: "${await hashPassword('hashed-password-1')}"\n  api-key:\n    key: ${API_KEY}\n`,
  )
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
    ['OIDC JWT (Bearer, RS256)', page, { Authorization: `Bearer ${jwt}` }],
    ['Basic (plain password)', page, { Authorization: basic('reader', 'plain-password-1') }],
    ['Basic (scrypt, remembered)', page, { Authorization: basic('hashed', 'hashed-password-1') }],
    ['API key (X-API-Key)', page, { 'X-API-Key': API_KEY }],
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
  const storm = await kidStorm(page, idp)
  server.child.kill('SIGTERM')
  const costs = await inProcess(path, config, internal, cases)
  await idp.close()
  console.log(`node ${process.version}; ${ROUNDS} rounds; ${GENERATOR}, ${SECONDS}s each; GET /shop/items.json?_size=100, requests/s`)
  for (const [i, [label]] of cases.entries()) {
    const ratios = results[i]!.map((r, round) => r / results[0]![round]!)
    console.log(`  ${label.padEnd(30)} ${spread(results[i]!)}   vs anonymous, median of per-round ratios ${(median(ratios) * 100).toFixed(1)}%`)
  }
  console.log(`in this process (app.fetch), µs per request, median of ${ROUNDS} rounds of ${IN_PROCESS_REQUESTS}:`)
  for (const [i, [label]] of cases.entries()) {
    console.log(`  ${label.padEnd(30)} ${median(costs[i]!).toFixed(1)} µs   vs anonymous ${((median(costs[0]!) / median(costs[i]!)) * 100).toFixed(1)}% of its speed`)
  }
  console.log(`  OIDC kid storm: 1,000 requests with 200 made-up kids (all ${storm.statuses}) -> ${storm.idpRequests.length} request(s) to the provider: ${storm.idpRequests.join(', ') || 'none'}`)
}

const IN_PROCESS_REQUESTS = 500
const API_KEY = 'bench-api-key-0123456789abcdef'
const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')

/** Each case's µs per request through app.fetch, in turn, `ROUNDS` times after a warm-up round. */
async function inProcess(path: string, config: string, internal: string, cases: [string, string, Record<string, string>][]): Promise<number[][]> {
  const ds = await createDataserve({ databases: [{ path }], configFile: config, internal, secret: 'bench', notice: () => {} })
  const app = await buildApp(ds)
  const costs = cases.map(() => [] as number[])
  for (let round = -1; round < ROUNDS; round++) {
    for (const [i, [, url, headers]] of cases.entries()) {
      const started = process.hrtime.bigint()
      for (let n = 0; n < IN_PROCESS_REQUESTS; n++) {
        const response = await app.fetch(new Request(url, { headers }))
        if (response.status !== 200) throw new Error(`${url}: ${response.status}`)
        await response.arrayBuffer()
      }
      if (round >= 0) costs[i]!.push(Number(process.hrtime.bigint() - started) / 1000 / IN_PROCESS_REQUESTS)
    }
  }
  await ds.close()
  return costs
}

/** 1,000 requests (10 at a time) with JWTs naming 200 kids the provider never had; what the provider saw meanwhile. */
async function kidStorm(url: string, idp: { issuer: string; requests: string[] }): Promise<{ statuses: string; idpRequests: string[] }> {
  const before = idp.requests.length
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const claims = part({ iss: idp.issuer, sub: 'storm', aud: LOCAL_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600, scope: 'datasets:read' })
  const kids = Array.from({ length: 200 }, (_, i) => `made-up-${i}-${Math.random().toString(36).slice(2)}`)
  const statuses = new Map<number, number>()
  await Promise.all(
    Array.from({ length: 10 }, async (_, worker) => {
      for (let i = worker; i < 1000; i += 10) {
        const response = await fetchOnce(url, { Authorization: `Bearer ${part({ alg: 'RS256', typ: 'at+jwt', kid: kids[i % 200] })}.${claims}.c2lnbmF0dXJl` })
        await response.arrayBuffer()
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
      }
    }),
  )
  return { statuses: [...statuses].map(([status, n]) => `${n}× ${status}`).join(', '), idpRequests: idp.requests.slice(before) }
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
