import type Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { COLUMNS, MANAGED_PREFIX, SCHEMA, withStatus, type Bookkeeping, type CreateOptions, type ManagedToken, type RawRow } from './managed-schema.ts'
import { sha256 } from '../../plugin-api.ts'

/**
 * Every write to the managed-token tables, on one connection. Used by the writer thread of a
 * running server, by the CLI and, for an in-memory internal database, in the server's own
 * thread. Only a SHA-256 of each token's 256-bit random secret is stored, so the database
 * never holds a usable token.
 */
export class TokenWriter {
  private readonly statements = new Map<string, Database.Statement>()

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    db.exec(SCHEMA)
  }

  create(actorId: string, options: CreateOptions): { token: string; record: ManagedToken } {
    const id = randomBytes(8).toString('hex')
    const secret = randomBytes(32).toString('base64url')
    const now = this.now()
    const restrictions = options.restrictions && Object.keys(options.restrictions).length > 0 ? JSON.stringify(options.restrictions) : null
    const insert = this.db.transaction(() => {
      this.sql('insert into managed_tokens (id, actor_id, description, restrictions, created_at, expires_at, secret_hash) values (?, ?, ?, ?, ?, ?, ?)').run(
        id, actorId, options.description ?? null, restrictions, now, options.expiresAfter ? now + options.expiresAfter : null, sha256(secret),
      )
      this.event({ at: now, event: 'created', token_id: id, actor_id: actorId, path: null, detail: options.description ?? null })
    })
    insert.immediate()
    return { token: `${MANAGED_PREFIX}${id}_${secret}`, record: this.get(id)! }
  }

  revoke(id: string, by: string | null): ManagedToken | undefined {
    const run = this.db.transaction(() => {
      const changed = this.sql("update managed_tokens set status = 'revoked', revoked_at = ?, revoked_by = ? where id = ? and status != 'revoked'").run(this.now(), by, id)
      const record = this.get(id)
      if (record && changed.changes > 0) this.event({ at: this.now(), event: 'revoked', token_id: id, actor_id: record.actor_id, path: null, detail: by === null ? null : `by ${by}` })
      return record
    })
    return run.immediate()
  }

  /** Writes what token checks left behind, in one transaction. */
  apply(entries: readonly Bookkeeping[]): void {
    if (entries.length === 0) return
    const run = this.db.transaction(() => {
      for (const entry of entries) {
        if (entry.event === 'used') this.sql('update managed_tokens set last_used_at = ? where id = ? and (last_used_at is null or last_used_at < ?)').run(entry.at, entry.token_id, entry.at)
        if (entry.event === 'expired') this.sql("update managed_tokens set status = 'expired' where id = ? and status = 'active'").run(entry.token_id)
        this.event(entry)
      }
    })
    run.immediate()
  }

  private get(id: string): ManagedToken | undefined {
    const row = this.sql(`select ${COLUMNS} from managed_tokens where id = ?`).get(id) as RawRow | undefined
    return row && withStatus(row, this.now())
  }

  private event(entry: Bookkeeping): void {
    this.sql('insert into managed_token_events (at, event, token_id, actor_id, path, detail) values (?, ?, ?, ?, ?, ?)').run(entry.at, entry.event, entry.token_id, entry.actor_id, entry.path, entry.detail)
  }

  private sql(text: string): Database.Statement {
    let stmt = this.statements.get(text)
    if (!stmt) this.statements.set(text, (stmt = this.db.prepare(text)))
    return stmt
  }
}
