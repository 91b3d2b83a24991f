// A worker thread of the SQL threads (threads.ts): runs generated, read-only statements and
// tasks (functions a plugin exports, given a connection) off the server's event loop. Plain
// JavaScript, as child.mjs; TypeScript is loaded once a plugin module needs it.
import { parentPort, workerData } from 'node:worker_threads'
import { connectionOpener, loadTypeScript } from './connections.mjs'

const databases = new Map(workerData.databases.map((db) => [db.name, db.path]))
const connections = connectionOpener(databases)
const statements = new Map()
const tasks = new Map()
/** Modules the pool has been told are loaded here. */
const announced = new Set()

/** A prepared statement per database and SQL, reused: preparing costs more than a page query. */
function statement(database, sql) {
  const key = `${database}\0${sql}`
  let stmt = statements.get(key)
  if (!stmt) {
    stmt = connections.get(database).prepare(sql)
    if (!stmt.readonly) throw new Error('Only read-only statements are allowed')
    if (!stmt.reader) throw new Error('Statement must return rows')
    // Integers as BigInt, as on the server's thread (a number is then always a REAL).
    stmt.raw(true).safeIntegers(true)
    if (statements.size >= 256) statements.delete(statements.keys().next().value)
    statements.set(key, stmt)
  }
  return stmt
}

/** Rows, and how long running (not preparing) the statement took: what says where it runs next time. */
function query({ database, sql, params, maxRows }) {
  const stmt = statement(database, sql)
  const started = performance.now()
  const columns = stmt.columns().map((column) => column.name)
  const rows = []
  let truncated = false
  for (const row of stmt.iterate(params)) {
    if (rows.length >= maxRows) {
      truncated = true
      break
    }
    rows.push(row)
  }
  return { columns, rows, truncated, ms: performance.now() - started }
}

async function task(id, { module, name, database, input }) {
  let fn = tasks.get(`${module}#${name}`)
  if (!fn) {
    if (/\.[mc]?ts$/.test(module)) await loadTypeScript()
    fn = (await import(module))[name]
    if (typeof fn !== 'function') throw new Error(`${module} exports no task ${name}`)
    tasks.set(`${module}#${name}`, fn)
  }
  // The module is loaded (or was): the task's time limit starts now, without the loading.
  if (!announced.has(module)) {
    announced.add(module)
    parentPort.postMessage({ type: 'loaded', id })
  }
  return fn({ connection: connections.get(database), input })
}

/** The Uint8Arrays at the top of a task's result: moved to the server's thread, not copied. */
function ownBuffers(result) {
  if (result === null || typeof result !== 'object') return []
  const buffers = []
  for (const value of Object.values(result)) {
    if (value instanceof Uint8Array && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && !buffers.includes(value.buffer)) buffers.push(value.buffer)
  }
  return buffers
}

const ready = connections.setup(workerData)
  .catch((error) => process.stderr.write(`dataserve: SQL thread could not load plugins: ${error?.message ?? error}\n`))
  .then(() => parentPort.postMessage({ type: 'ready' }))

parentPort.on('message', async (job) => {
  await ready
  const started = performance.now()
  try {
    if (job.task) {
      const result = await task(job.id, job.task)
      parentPort.postMessage({ id: job.id, ok: true, result, ms: performance.now() - started }, ownBuffers(result))
    } else {
      parentPort.postMessage({ id: job.id, ok: true, ...query(job) })
    }
  } catch (error) {
    parentPort.postMessage({ id: job.id, ok: false, error: String(error?.message ?? error), code: error?.code ?? null })
  }
})
