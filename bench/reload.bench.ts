// Benchmark of live config reload (issue 13). Run: npm run bench:reload
// A table page's p50/p99 under load (wrk --latency, 10 connections) without reloads, and
// while another client reloads the config 20 times a second through POST /-/reload
// (alternating, in one run); and how long each reload takes, seen by that client.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GENERATOR, loadLatency, median, ROUNDS, SECONDS, spread, start, type Latency, writeShopDb } from './lib.ts'

const dir = mkdtempSync(join(tmpdir(), 'dataserve-reload-bench-'))
const RELOADS_PER_SECOND = 20

async function main() {
  const path = join(dir, 'shop.db')
  writeShopDb(path)
  const config = join(dir, 'datasette.yaml')
  // A config of the size people have: permissions, a few users and keys, a static token.
  const keys = Array.from({ length: 10 }, (_, i) => `      - bench-key-${i}-0123456789abcdef\n`).join('')
  const users = Array.from({ length: 10 }, (_, i) => `      user${i}: password-${i}\n`).join('')
  writeFileSync(
    config,
    `allow: true\npermissions:\n  reload-config: true\nsettings:\n  failed_credentials_limit: false\nplugins:\n  tokens:\n    tokens:\n      - token: static-bench-token-0123456789\n        actor: {id: sheets}\n` +
      `  basic-auth:\n    users:\n${users}  api-key:\n    keys:\n${keys}databases:\n  shop:\n    tables:\n      items:\n        allow: true\n`,
  )
  server = await start(['bin/dataserve.js', path, '-c', config, '--port', '0', '--no-access-log', '--no-watch'])
  const page = `${server.url}shop/items.json?_size=100`
  await loadLatency(page)
  const quiet: Latency[] = []
  const reloading: Latency[] = []
  const reloadMs: number[] = []
  let reloads = 0
  for (let round = 0; round < ROUNDS; round++) {
    quiet.push(await loadLatency(page))
    let stop = false
    const reloader = (async () => {
      while (!stop) {
        const started = performance.now()
        const response = await fetch(`${server.url}-/reload`, { method: 'POST' }).catch((error: Error & { cause?: Error }) => {
          throw new Error(`reload ${reloads + 1}: ${error.message} (${error.cause?.message})`)
        })
        if (response.status !== 200) throw new Error(`reload: ${response.status} ${await response.text()}`)
        await response.arrayBuffer()
        reloadMs.push(performance.now() - started)
        reloads++
        await new Promise((resolve) => setTimeout(resolve, 1000 / RELOADS_PER_SECOND))
      }
    })()
    reloading.push(await loadLatency(page))
    stop = true
    await reloader
  }
  const sorted = [...reloadMs].sort((a, b) => a - b)
  console.log(`node ${process.version}; ${ROUNDS} rounds; ${GENERATOR.replace('10 connections', '10 connections, --latency')}, ${SECONDS}s each; GET /shop/items.json?_size=100`)
  for (const [label, runs] of [['no reloads', quiet], [`${RELOADS_PER_SECOND} reloads/s`, reloading]] as const) {
    console.log(`  ${label.padEnd(16)} req/s ${spread(runs.map((r) => r.rps))}   p50 ${spread(runs.map((r) => r.p50), 2)} ms   p99 ${spread(runs.map((r) => r.p99), 2)} ms`)
  }
  const ratios = reloading.map((r, i) => r.p99 / quiet[i]!.p99)
  console.log(`  p99 while reloading / p99 without, median of per-round ratios: ${median(ratios).toFixed(2)}×`)
  console.log(`  POST /-/reload (${reloads} reloads, each reading, checking and swapping the whole config): median ${median(reloadMs).toFixed(1)} ms, p99 ${sorted[Math.floor(sorted.length * 0.99)]!.toFixed(1)} ms`)
}

let server: Awaited<ReturnType<typeof start>> | undefined
main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => {
    server?.child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  })
