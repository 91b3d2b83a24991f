// Shared by the benchmarks: servers in child processes and a load generator.
import autocannon from 'autocannon'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import Database from 'better-sqlite3'
import { readFileSync } from 'node:fs'

export const SECONDS = Number(process.env.SECONDS ?? 5)
export const ROUNDS = Number(process.env.ROUNDS ?? 5)
export const REPO = new URL('..', import.meta.url).pathname

export function start(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DATASERVE_SECRET: 'bench' } })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk) => {
      out += chunk
      const match = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)
      if (match) resolve({ child, url: match[1]! })
    })
    child.on('exit', (code) => reject(new Error(`exited ${code}`)))
  })
}

export const WRK = spawnSync('wrk', ['--version']).error === undefined
export const GENERATOR = WRK ? 'wrk (1 thread, 10 connections)' : 'autocannon (10 connections, in this process)'

/**
 * wrk's output. Asynchronous: while wrk runs, this process keeps serving what else the
 * benchmark runs in it (readers of CSV streams, a client reloading the config); spawnSync
 * would freeze them, and measure the server with its other clients silent.
 */
function wrk(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.on('error', reject)
    child.on('close', () => resolve(out))
  })
}

/** Requests per second from wrk when installed (apt-get install wrk), else autocannon. */
export async function load(url: string, headers: Record<string, string> = {}): Promise<number> {
  if (WRK) {
    const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`])
    const out = await wrk(['-t1', '-c10', `-d${SECONDS}s`, ...headerArgs, url])
    if (/Non-2xx|Socket errors/.test(out)) throw new Error(`${url}: errors\n${out}`)
    return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1])
  }
  const result = await autocannon({ url, headers, connections: 10, duration: SECONDS, pipelining: 1 })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return result.requests.average
}


export interface Latency {
  rps: number
  p50: number
  p99: number
}

/** Requests per second and latency percentiles (ms) from wrk --latency, else autocannon. */
export async function loadLatency(url: string, connections = 10): Promise<Latency> {
  if (WRK) {
    // A long timeout: wrk counts a reply after 2 s as an error and leaves it out of the percentiles.
    const out = await wrk(['-t1', `-c${connections}`, `-d${SECONDS}s`, '--timeout', '30s', '--latency', url])
    if (/Non-2xx|Socket errors/.test(out)) throw new Error(`${url}: errors\n${out}`)
    const ms = (pct: string) => {
      const [, value, unit] = new RegExp(`\\s${pct}%\\s+([\\d.]+)(us|ms|s)`).exec(out)!
      return Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1)
    }
    return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]), p50: ms('50'), p99: ms('99') }
  }
  const result = await autocannon({ url, connections, duration: SECONDS, pipelining: 1 })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 }
}

/** Keeps `count` clients reading `url` as fast as they can until stop() is called. */
export function fullSpeedReaders(url: string, count: number): { stop(): Promise<number> } {
  let stopped = false
  let completed = 0
  const readers = Array.from({ length: count }, async () => {
    while (!stopped) {
      const response = await fetch(url)
      for await (const _ of response.body!) if (stopped) break
      if (!stopped) completed++
    }
  })
  return {
    async stop() {
      stopped = true
      await Promise.allSettled(readers)
      return completed
    },
  }
}

export function peakRssMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
export const spread = (values: number[], digits = 0) =>
  `median ${median(values).toFixed(digits)} (min ${Math.min(...values).toFixed(digits)}, max ${Math.max(...values).toFixed(digits)})`

/** The benchmarks' table: `items` with 100,000 rows of six columns, no index beyond the key. */
export function writeShopDb(path: string): void {
  const db = new Database(path)
  db.exec(`create table items (id integer primary key, name text, category text, price real, quantity integer, created text);
    with recursive c(x) as (select 1 union all select x + 1 from c where x < 100000)
    insert into items select x, 'item ' || x, 'cat' || (x % 20), round(x * 0.37, 2), x % 1000, '2024-01-01' from c;`)
  db.close()
}
