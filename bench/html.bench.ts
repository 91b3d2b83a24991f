// Benchmark of the HTML pages (issue 14). Run: npm run bench:html
// GET /DB/TABLE?_size=100 (the page) beside GET /DB/TABLE.json?_size=100 (the same rows as
// JSON), alternating in one run; and the page's weight (HTML + the stylesheet).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { GENERATOR, load, median, ROUNDS, SECONDS, spread, start, writeShopDb } from './lib.ts'

const dir = mkdtempSync(join(tmpdir(), 'dataserve-html-bench-'))
let server: Awaited<ReturnType<typeof start>> | undefined

async function main() {
  const path = join(dir, 'shop.db')
  writeShopDb(path)
  const config = join(dir, 'datasette.yaml')
  writeFileSync(config, 'allow: true\n')
  server = await start(['bin/dataserve.js', path, '-c', config, '--port', '0', '--no-access-log'])
  const cases: [string, string][] = [
    ['JSON  /shop/items.json?_size=100', `${server.url}shop/items.json?_size=100`],
    ['HTML  /shop/items?_size=100', `${server.url}shop/items?_size=100`],
  ]
  for (const [, url] of cases) await load(url)
  const results = cases.map(() => [] as number[])
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (k + round) % cases.length
      results[i]!.push(await load(cases[i]![1]))
    }
  }
  const page = await (await fetch(cases[1]![1])).text()
  const css = await (await fetch(new URL(/href="(\/-\/static\/[^"]+\.css)"/.exec(page)![1]!, server.url))).text()
  const gzip = (text: string) => gzipSync(text).length
  console.log(`node ${process.version}; ${ROUNDS} rounds; ${GENERATOR}, ${SECONDS}s each; requests/s`)
  for (const [i, [label]] of cases.entries()) console.log(`  ${label.padEnd(34)} ${spread(results[i]!)}`)
  const ratios = results[1]!.map((html, round) => html / results[0]![round]!)
  console.log(`  HTML / JSON, median of per-round ratios: ${(median(ratios) * 100).toFixed(1)}%`)
  console.log(`  page weight, 100 rows: HTML ${(Buffer.byteLength(page) / 1024).toFixed(1)} KB + CSS ${(Buffer.byteLength(css) / 1024).toFixed(1)} KB = ${((Buffer.byteLength(page) + Buffer.byteLength(css)) / 1024).toFixed(1)} KB (gzip: ${(gzip(page) / 1024).toFixed(1)} + ${(gzip(css) / 1024).toFixed(1)} KB)`)
}

main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => {
    server?.child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  })
