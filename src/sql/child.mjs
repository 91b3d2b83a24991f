// A child process that runs time-limited SQL for the SQL pool (pool.ts). It is a separate
// process, not a worker thread, because a runaway SQLite query never returns to JavaScript,
// so only killing the process is sure to stop it. Plain JavaScript so that it starts
// without a TypeScript loader; it loads one only when plugins need it.
import { connectionOpener } from './connections.mjs'

const databases = new Map(JSON.parse(process.argv[2] ?? '[]').map((db) => [db.name, db.path]))
const connections = connectionOpener(databases)
let ready = null

/** Rows of one read-only statement, at most maxRows of them. */
function query(database, sql, params, maxRows) {
  const stmt = connections.get(database).prepare(sql)
  // Belt and braces: the connection is read-only, and SQLite itself says whether the
  // statement writes.
  if (!stmt.readonly) throw new Error('Only read-only statements are allowed')
  if (!stmt.reader) throw new Error('Statement must return rows')
  // Integers as BigInt, exact beyond 2^53; a number is then always a REAL (statements.ts).
  stmt.raw(true).safeIntegers(true)
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
  return { columns, rows, truncated }
}

function run(job) {
  try {
    if (job.batch) {
      const batch = job.batch.map((statement) => {
        const started = performance.now()
        try {
          const result = query(job.database, statement.sql, statement.params, statement.maxRows)
          return performance.now() - started > job.statementLimitMs ? { timedOut: true } : result
        } catch (error) {
          return { error: String(error?.message ?? error) }
        }
      })
      process.send({ id: job.id, ok: true, columns: [], rows: [], truncated: false, batch })
      return
    }
    process.send({ id: job.id, ok: true, ...query(job.database, job.sql, job.params, job.maxRows) })
  } catch (error) {
    process.send({ id: job.id, ok: false, error: String(error?.message ?? error) })
  }
}

process.on('message', (message) => {
  if (message.type === 'init') {
    ready = connections.setup(message)
      .catch((error) => {
        process.stderr.write(`dataserve: SQL process could not load plugins: ${error?.message ?? error}\n`)
      })
      // The pool starts a query's time limit only now.
      .then(() => process.send({ type: 'ready' }))
    return
  }
  void (ready ?? Promise.resolve()).then(() => run(message))
})

// The parent went away: nothing left to answer.
process.on('disconnect', () => process.exit(0))
