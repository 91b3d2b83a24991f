import type Database from 'better-sqlite3'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { COLUMNS, TOKEN_SHAPE, USE_WRITE_INTERVAL, withStatus, type Bookkeeping, type ManagedToken, type RawRow, type StoredRow, type TokenEvent, type TokenStatus } from './managed-schema.ts'
import { BoundedMap, TokenInvalidError, sha256, type Actor } from '../../plugin-api.ts'

/**
 * Everything that reads managed tokens: verification, lookups and listings, on one
 * connection. It never writes: what a check leaves behind (last used, audit events, an
 * expiry flip) goes to `record`, which the caller writes when it can.
 *
 * Lookups by an unknown id compare against a dummy hash, costing the same as a wrong secret.
 * SQLite errors (a locked or missing database) propagate: the caller decides what they mean.
 */
export class TokenReader {
  private readonly dummyHash = sha256(randomBytes(32).toString('base64url'))
  private readonly statements = new Map<string, Database.Statement>()
  /**
   * Token rows read by verify(), by id, while the database is unchanged: `PRAGMA
   * data_version` moves when another connection (the writer, the `dataserve tokens` CLI,
   * another server) commits; a writer on this same connection calls forget(). So a
   * revocation from anywhere is seen on the next request.
   */
  private readonly rows = new BoundedMap<string, StoredRow>(1000)
  /** Tokens whose secret matched, by their whole text, to their id: see checkSecret(). */
  private readonly matchedTokens = new BoundedMap<string, string>(1000)
  /** Bookkeeping recorded but perhaps not written yet, so it is not recorded again meanwhile. */
  private readonly pending = new BoundedMap<string, { usedAt?: number; expired?: true }>(10_000)
  private dataVersion = -1

  constructor(
    private readonly db: Database.Database,
    private readonly record: (entry: Bookkeeping) => void,
    private readonly now: () => number,
    /** An in-memory database has no other connection: no data_version to watch. */
    private readonly shared: boolean,
  ) {}

  /** The actor a token stands for; TokenInvalidError for anything else. Never records the secret. */
  verify(token: string, path: string | null): Actor {
    const { id, row } = this.checkSecret(token, path)
    const now = this.now()
    const pending = this.pending.get(id)
    if (row.status === 'revoked') {
      this.note('rejected', id, row.actor_id, path, 'revoked', now)
      throw new TokenInvalidError('Token has been revoked')
    }
    if (row.status === 'expired' || (row.expires_at !== null && now >= row.expires_at)) {
      if (row.status !== 'expired' && !pending?.expired) {
        this.note('expired', id, row.actor_id, path, null, now)
        this.remember(id, { ...pending, expired: true })
      }
      throw new TokenInvalidError('Token has expired')
    }
    const lastUsed = Math.max(row.last_used_at ?? -Infinity, pending?.usedAt ?? -Infinity)
    if (now - lastUsed >= USE_WRITE_INTERVAL) {
      this.note('used', id, row.actor_id, path, null, now)
      this.remember(id, { ...pending, usedAt: now })
    }
    const actor: Actor = { id: row.actor_id, token: 'managed', token_id: id }
    if (row.restrictions) actor._r = JSON.parse(row.restrictions)
    if (row.expires_at !== null) actor.token_expires = row.expires_at
    return actor
  }

  get(id: string): ManagedToken | undefined {
    const row = this.sql(`select ${COLUMNS} from managed_tokens where id = ?`).get(id) as RawRow | undefined
    return row && withStatus(row, this.now())
  }

  list(filter: { status?: TokenStatus; actorId?: string; limit: number; offset: number }): { tokens: ManagedToken[]; total: number } {
    // Expiry flips lazily: compute it here too, so a filter by status is right.
    const status = `case when status = 'active' and expires_at is not null and expires_at <= ? then 'expired' else status end`
    const where: string[] = []
    const params: unknown[] = []
    if (filter.status) (where.push(`${status} = ?`), params.push(this.now(), filter.status))
    if (filter.actorId) (where.push('actor_id = ?'), params.push(filter.actorId))
    const clause = where.length > 0 ? ` where ${where.join(' and ')}` : ''
    const total = (this.sql(`select count(*) from managed_tokens${clause}`).pluck().get(...params) as number) ?? 0
    const rows = this.sql(`select ${COLUMNS} from managed_tokens${clause} order by created_at desc, id limit ? offset ?`).all(...params, filter.limit, filter.offset) as RawRow[]
    const now = this.now()
    return { tokens: rows.map((row) => withStatus(row, now)), total }
  }

  events(filter: { tokenId?: string; limit: number; offset: number }): TokenEvent[] {
    const where = filter.tokenId ? ' where token_id = ?' : ''
    const params = filter.tokenId ? [filter.tokenId] : []
    return this.sql(`select * from managed_token_events${where} order by id desc limit ? offset ?`).all(...params, filter.limit, filter.offset) as TokenEvent[]
  }

  /** A writer on this connection changed this token: read it again next time. */
  forget(id: string): void {
    this.rows.delete(id)
    this.pending.delete(id)
  }

  /**
   * The token's id and row, once its secret matches the stored hash. A token that matched
   * before is recognised by its whole text: a client sends the same token on every request,
   * and hashing it each time cost about 5 % of a table page under load. Its row is still read
   * (revocation, expiry) every time.
   */
  private checkSecret(token: string, path: string | null): { id: string; row: StoredRow } {
    const known = this.matchedTokens.get(token)
    if (known !== undefined) {
      const row = this.row(known)
      if (row) return { id: known, row }
    }
    const match = TOKEN_SHAPE.exec(token)
    if (!match) {
      this.note('rejected', null, null, path, 'malformed')
      throw new TokenInvalidError('Invalid token')
    }
    const [, id, secret] = match as unknown as [string, string, string]
    const row = this.row(id)
    const matches = timingSafeEqual(row?.secret_hash ?? this.dummyHash, sha256(secret))
    if (!row || !matches) {
      this.note('rejected', row ? id : null, row?.actor_id ?? null, path, row ? 'wrong secret' : 'unknown id')
      throw new TokenInvalidError('Invalid token')
    }
    this.matchedTokens.set(token, id)
    return { id, row }
  }

  private row(id: string): StoredRow | undefined {
    if (this.shared) {
      const version = this.sql('pragma data_version').pluck().get() as number
      if (version !== this.dataVersion) {
        this.rows.clear()
        this.dataVersion = version
      }
    }
    let row = this.rows.get(id)
    if (!row) {
      row = this.sql(`select ${COLUMNS}, secret_hash from managed_tokens where id = ?`).get(id) as StoredRow | undefined
      // Only known ids are kept, so made-up ids cannot fill the map.
      if (row) this.rows.set(id, row)
    }
    return row
  }

  private remember(id: string, entry: { usedAt?: number; expired?: true }): void {
    this.pending.set(id, entry)
  }

  private note(event: TokenEvent['event'], tokenId: string | null, actorId: string | null, path: string | null, detail: string | null, at = this.now()): void {
    this.record({ at, event, token_id: tokenId, actor_id: actorId, path, detail })
  }

  private sql(text: string): Database.Statement {
    let stmt = this.statements.get(text)
    if (!stmt) this.statements.set(text, (stmt = this.db.prepare(text)))
    return stmt
  }
}
