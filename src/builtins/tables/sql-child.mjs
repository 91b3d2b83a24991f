// A child process that runs user-supplied SQL for the SQL pool (sql-pool.ts). It is a
// separate process, not a worker thread, because a runaway SQLite query never returns to
// JavaScript, so only killing the process is sure to stop it. Plain JavaScript so that it
// starts without a TypeScript loader.
import Database from 'better-sqlite3'

const databases = new Map(JSON.parse(process.argv[2] ?? '[]').map((db) => [db.name, db.path]))
const connections = new Map()

function connection(name) {
  let conn = connections.get(name)
  if (conn) return conn
  if (!databases.has(name)) throw new Error(`Database not found: ${name}`)
  const path = databases.get(name)
  conn = path === null ? new Database(':memory:') : new Database(path, { readonly: true, fileMustExist: true })
  connections.set(name, conn)
  return conn
}

process.on('message', (job) => {
  try {
    const stmt = connection(job.database).prepare(job.sql)
    // Belt and braces: the connection is read-only, and SQLite itself says whether the
    // statement writes.
    if (!stmt.readonly) throw new Error('Only read-only statements are allowed')
    if (!stmt.reader) throw new Error('Statement must return rows')
    stmt.raw(true)
    const columns = stmt.columns().map((column) => column.name)
    const rows = []
    let truncated = false
    for (const row of stmt.iterate(job.params)) {
      if (rows.length >= job.maxRows) {
        truncated = true
        break
      }
      rows.push(row)
    }
    process.send({ id: job.id, ok: true, columns, rows, truncated })
  } catch (error) {
    process.send({ id: job.id, ok: false, error: String(error?.message ?? error) })
  }
})

// The parent went away: nothing left to answer.
process.on('disconnect', () => process.exit(0))
