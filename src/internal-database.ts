import Database from 'better-sqlite3'
import { existsSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

/** `--internal PATH` cannot be used: names the path and the reason. Stops startup. */
export class InternalDatabaseError extends Error {
  override name = 'InternalDatabaseError'
}

/**
 * Checks the internal database before anything relies on it, and prepares it: the file is
 * created if missing (its directory must exist), must be SQLite and writable, and is put in
 * rollback-journal mode.
 *
 * Why not WAL: WAL readers share the `-shm` file through mmap, and a `-shm` that is truncated
 * or replaced while the server runs kills the process with SIGBUS. With a rollback journal
 * there is no shared memory, only a `-journal` file while a write commits. Plugins' writes to
 * the internal database are few (token creation, revocation, bookkeeping) and made off the
 * request path, so WAL's concurrency buys nothing worth that risk.
 */
export function prepareInternalDatabase(path: string): void {
  if (path === ':memory:') return
  const full = resolve(path)
  const fail = (reason: string): never => {
    throw new InternalDatabaseError(`--internal ${path}: ${reason}`)
  }
  const dir = dirname(full)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`directory ${dir} does not exist`)
  if (existsSync(full) && !statSync(full).isFile()) fail('not a file')
  let db: Database.Database | undefined
  try {
    db = new Database(full, { timeout: 5000 })
    db.prepare('select count(*) from sqlite_master').get()
    if ((db.pragma('journal_mode = DELETE', { simple: true }) as string).toLowerCase() !== 'delete') fail('could not leave WAL mode: is another process using it?')
    // A real write: a read-only file opens without complaint and fails only here.
    db.exec("create table if not exists dataserve_internal (key text primary key, value text); insert or replace into dataserve_internal values ('opened_at', datetime('now'))")
  } catch (error) {
    if (error instanceof InternalDatabaseError) throw error
    const { code, message } = error as { code?: string; message: string }
    if (code === 'SQLITE_NOTADB') fail('not a SQLite database')
    if (code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM') fail(`cannot be written (${message})`)
    if (code?.startsWith('SQLITE_BUSY')) fail('locked by another process')
    fail(message)
  } finally {
    db?.close()
  }
}

/** Which file is at `path` now (device and inode), or null when there is none. */
export function fileIdentity(path: string): string | null {
  const stat = statSync(path, { throwIfNoEntry: false })
  return stat ? `${stat.dev}:${stat.ino}` : null
}
