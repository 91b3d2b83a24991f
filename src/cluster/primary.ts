import cluster, { type Worker } from 'node:cluster'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ReloadOutcome } from '../config-generation.ts'
import { watchConfigFile } from '../config/watch.ts'
import { FailureLimiter } from '../credentials/limiter.ts'
import { prepareInternalDatabase } from '../internal-database.ts'
import type { ServeOptions } from '../server.ts'
import { LocalSharedState } from '../shared-state.ts'
import { configuredSecrets } from '../signing-secrets.ts'
import { VERSION } from '../version.ts'
import { isDataserveMessage, type ToPrimary, type ToWorker } from './messages.ts'
import { ReloadRounds } from './reload-rounds.ts'

const BIN = fileURLToPath(new URL('../../bin/dataserve.js', import.meta.url))
/** How long a process that is told to stop may take before it is killed. */
const STOP_LIMIT_MS = 15_000
/** A process that exits sooner than this after starting is restarted after a growing pause. */
const QUICK_EXIT_MS = 10_000
const MAX_RESTART_PAUSE_MS = 10_000

interface Slot {
  /** 1-based, for messages: "process 2". */
  number: number
  worker: Worker | null
  startedAt: number
  ready: boolean
  quickExits: number
}

/**
 * `dataserve --workers N`: the primary process. It serves nothing itself: it starts N
 * server processes on the same port (node:cluster hands them connections in turn), restarts
 * one that dies, and drains them all on SIGTERM. It keeps what they must share — the
 * failed-credential counts, one-time values (`ds.shared`), the internal database file —
 * and runs config reloads so that every process swaps to the new config or none does.
 */
export async function runPrimary(argv: readonly string[], options: ServeOptions, count: number, print = (line: string) => void process.stdout.write(line + '\n')): Promise<number> {
  const env = options.env ?? process.env
  const warn = (line: string) => void process.stderr.write(line + '\n')
  // A port picked now, not by each process's listen(0): a process restarted after the
  // others have gone (--workers 1) must find the same port.
  const port = options.port === 0 ? await freePort(options.host ?? '127.0.0.1') : (options.port ?? 8001)
  // Checked here so a bad path is one line, not one per process.
  let internal = options.internal
  let temporary: string | null = null
  if (internal === undefined) {
    temporary = mkdtempSync(join(tmpdir(), 'dataserve-internal-'))
    internal = join(temporary, 'internal.db')
  }
  try {
    prepareInternalDatabase(internal)
  } catch (error) {
    if (temporary) rmSync(temporary, { recursive: true, force: true })
    throw error
  }
  let secret: string | null = null
  if (!configuredSecrets(options.secret, env)) secret = randomBytes(32).toString('hex')
  /** Said once the server has started (a server that cannot start need not say them). */
  const startedNotices = () => {
    if (temporary) print(`dataserve: the ${count} processes share a temporary internal database (managed tokens), removed at shutdown (pass --internal PATH to keep it)`)
    if (secret) warn(`dataserve: no --secret, DATASERVE_SECRETS, DATASERVE_SECRET or DATASETTE_SECRET: using a random secret shared by the ${count} processes; signed tokens and cookies die with this server`)
  }

  const shared = new LocalSharedState()
  /** Startup notices printed, so a process that starts again later does not repeat them. */
  const startupNotices = new Set<string>()
  const failures = new FailureLimiter()
  let failureLimits: { maxFailures: number; windowMs: number } | null = null
  let started = false
  let stopping = false
  let exitCode = 0
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({ number: i + 1, worker: null, startedAt: 0, ready: false, quickExits: 0 }))
  const live = () => slots.filter((slot) => slot.worker !== null && slot.ready).map((slot) => slot.worker!)
  const rounds = new ReloadRounds(live)
  let watcher: { close(): void } | null = null
  let finished!: (code: number) => void
  const done = new Promise<number>((resolve) => (finished = resolve))

  cluster.setupPrimary({ exec: BIN, args: [...argv] })

  const send = (worker: Worker, message: ToWorker) => {
    if (worker.isConnected()) worker.send(message)
  }

  const start = (slot: Slot) => {
    const worker = cluster.fork()
    slot.worker = worker
    slot.ready = false
    slot.startedAt = Date.now()
    worker.on('message', (message: unknown) => {
      if (isDataserveMessage<ToPrimary>(message)) receive(slot, worker, message)
    })
    worker.on('exit', (code, signal) => exited(slot, worker, code, signal))
  }

  const receive = (slot: Slot, worker: Worker, message: ToPrimary) => {
    switch (message.dataserve) {
      case 'hello':
        send(worker, { dataserve: 'hello', secret, internal: internal!, port, failures: failures.entries().map(([client, times]) => [client, [...times]]), failureLimits })
        return
      case 'ready':
        slot.ready = true
        if (!started && slots.every((s) => s.ready)) {
          started = true
          startedNotices()
          print(`dataserve: plugins: ${message.plugins}`)
          print(`dataserve ${VERSION}: serving ${message.databases} database${message.databases === 1 ? '' : 's'} at ${message.url} (${count} processes, pids ${slots.map((s) => s.worker!.process.pid).join(' ')})`)
        } else if (started) {
          print(`dataserve: process ${slot.number} (pid ${worker.process.pid}) is serving again`)
        }
        return
      case 'notice': {
        const seen = message.window === 'startup' ? startupNotices : rounds.notices(message.window)
        const key = `${message.stream}\0${message.text}`
        if (seen.has(key)) return
        seen.add(key)
        ;(message.stream === 'stdout' ? process.stdout : process.stderr).write(message.text)
        return
      }
      case 'failed':
        if (!started) {
          if (!stopping) warn(`dataserve: cannot start: ${message.message}`)
          stop(1)
        } else {
          warn(`dataserve: process ${slot.number} could not start again: ${message.message}`)
        }
        return
      case 'credential-failed':
        failureLimits = { maxFailures: message.maxFailures, windowMs: message.windowMs }
        failures.fail(message.client, message.maxFailures, message.windowMs, message.at)
        for (const other of live()) if (other !== worker) send(other, message)
        return
      case 'claim':
        send(worker, { dataserve: 'answer', id: message.id, result: shared.claimNow(message.key, message.value) })
        return
      case 'consume':
        send(worker, { dataserve: 'answer', id: message.id, result: shared.consumeNow(message.key, message.value) })
        return
      case 'reload':
        void rounds.run(message.trigger).then((outcomes) => {
          const outcome: ReloadOutcome = outcomes.get(worker) ?? { ok: false, trigger: message.trigger, at: Date.now(), generation: 0, error: 'this process took no part in the reload' }
          send(worker, { dataserve: 'reloaded', id: message.id, outcome })
        })
        return
      case 'reload-checked':
      case 'reload-done':
        rounds.receive(worker, message)
        return
    }
  }

  const exited = (slot: Slot, worker: Worker, code: number | null, signal: string | null) => {
    rounds.gone(worker)
    if (slot.worker === worker) slot.worker = null
    if (stopping) {
      if (slots.every((s) => s.worker === null)) finish()
      return
    }
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
    if (!started) {
      warn(`dataserve: cannot start: server process ${slot.number} ${how} while starting`)
      stop(1)
      return
    }
    slot.quickExits = Date.now() - slot.startedAt < QUICK_EXIT_MS ? slot.quickExits + 1 : 0
    const pause = slot.quickExits === 0 ? 0 : Math.min(MAX_RESTART_PAUSE_MS, 250 * 2 ** (slot.quickExits - 1))
    warn(`dataserve: process ${slot.number} (pid ${worker.process.pid}) ${how}; starting another${pause > 0 ? ` in ${pause} ms` : ''}`)
    setTimeout(() => {
      if (!stopping) start(slot)
    }, pause)
  }

  let killTimer: NodeJS.Timeout | undefined
  const stop = (code: number) => {
    if (stopping) return
    stopping = true
    exitCode = code
    watcher?.close()
    const running = slots.filter((slot) => slot.worker !== null)
    if (running.length === 0) return finish()
    for (const slot of running) slot.worker!.process.kill('SIGTERM')
    killTimer = setTimeout(() => {
      for (const slot of slots) slot.worker?.process.kill('SIGKILL')
    }, STOP_LIMIT_MS)
  }

  const finish = () => {
    clearTimeout(killTimer)
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, signals[signal])
    if (temporary) rmSync(temporary, { recursive: true, force: true })
    finished(exitCode)
  }

  const signals = {
    SIGINT: () => onStopSignal('SIGINT'),
    SIGTERM: () => onStopSignal('SIGTERM'),
    SIGHUP: () => void rounds.run('signal'),
  }
  let stopSignalAt = 0
  const onStopSignal = (signal: NodeJS.Signals) => {
    // `timeout` and `kill -- -PGID` deliver one signal twice (to the process and to its
    // group): a second within a second is that one, not a person insisting.
    if (stopping && Date.now() - stopSignalAt < 1000) return
    if (stopping) {
      warn(`dataserve: ${signal} again, stopping the processes now`)
      for (const slot of slots) slot.worker?.process.kill('SIGKILL')
      return
    }
    stopSignalAt = Date.now()
    print(`dataserve: ${signal} received, shutting down ${count} processes`)
    stop(0)
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, signals[signal])

  if (options.configFile !== undefined && options.watchConfig !== false) watcher = await watchConfigFile(options.configFile, () => void rounds.run('file'))
  for (const slot of slots) start(slot)
  return done
}

/** A port free on `host` now. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
