import Database from 'better-sqlite3'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { sha256 } from '../../util/sha256.ts'
import { TokenInvalidError } from '../../errors.ts'
import type { RestrictionsJSON } from '../../token-restrictions.ts'
import type { Actor } from '../../types.ts'

export const MANAGED_PREFIX = 'dsmt_'
const TOKEN_SHAPE = /^dsmt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/
/** last_used_at (and the "used" audit event) is written at most this often per token. */
const USE_WRITE_INTERVAL = 60

export type TokenStatus = 'active' | 'revoked' | 'expired'

export interface ManagedToken {
  id: string
  actor_id: string
  description: string | null
  restrictions: RestrictionsJSON | null
  status: TokenStatus
  created_at: number
  last_used_at: number | null
  expires_at: number | null
  revoked_at: number | null
  revoked_by: string | null
}

export interface TokenEvent {
  id: number
  at: number
  event: 'created' | 'revoked' | 'used' | 'rejected' | 'expired'
  token_id: string | null
  actor_id: string | null
  path: string | null
  detail: string | null
}

const SCHEMA = `
create table if not exists managed_tokens (
  id text primary key,
  actor_id text not null,
  description text,
  restrictions text,
  status text not null default 'active',
  created_at integer not null,
  last_used_at integer,
  expires_at integer,
  revoked_at integer,
  revoked_by text,
  secret_hash blob not null
);
create index if not exists managed_tokens_actor on managed_tokens (actor_id);
create table if not exists managed_token_events (
  id integer primary key,
  at integer not null,
  event text not null,
  token_id text,
  actor_id text,
  path text,
  detail text
);
create index if not exists managed_token_events_token on managed_token_events (token_id);
`

const COLUMNS = 'id, actor_id, description, restrictions, status, created_at, last_used_at, expires_at, revoked_at, revoked_by'

/**
 * Tokens kept in the internal database: `dsmt_<id>_<secret>`, where only a SHA-256 of the
 * 256-bit random secret is stored, so the database never holds a usable token. Lookups by
 * an unknown id compare against a dummy hash, costing the same as a wrong secret.
 */
export class ManagedTokenStore {
  private readonly db: Database.Database
  private readonly dummyHash = sha256(randomBytes(32).toString('base64url'))
  /** Statements prepared once: verify runs on every request that carries a managed token. */
  private readonly statements = new Map<string, Database.Statement>()
  /**
   * Token rows read by verify(), by id, while the database is unchanged: `PRAGMA
   * data_version` moves when another connection (the `dataserve tokens` CLI, another
   * server) commits, and this store forgets a row whenever it writes to it itself. So a
   * revocation from anywhere is still seen on the next request.
   */
  private readonly rows = new Map<string, CachedRow>()
  /** Tokens whose secret matched, by their whole text, to their id: see checkSecret(). */
  private readonly matchedTokens = new Map<string, string>()
  private dataVersion = -1

  constructor(
    readonly path: string,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    this.db.exec(SCHEMA)
  }

  create(actorId: string, options: { description?: string; restrictions?: RestrictionsJSON | null; expiresAfter?: number }): { token: string; record: ManagedToken } {
    const id = randomBytes(8).toString('hex')
    const secret = randomBytes(32).toString('base64url')
    const now = this.now()
    const restrictions = options.restrictions && Object.keys(options.restrictions).length > 0 ? JSON.stringify(options.restrictions) : null
    this
      .sql('insert into managed_tokens (id, actor_id, description, restrictions, created_at, expires_at, secret_hash) values (?, ?, ?, ?, ?, ?, ?)')
      .run(id, actorId, options.description ?? null, restrictions, now, options.expiresAfter ? now + options.expiresAfter : null, sha256(secret))
    this.event('created', id, actorId, null, options.description ?? null)
    return { token: `${MANAGED_PREFIX}${id}_${secret}`, record: this.get(id)! }
  }

  /** The actor a token stands for; TokenInvalidError for anything else. Never logs the secret. */
  verify(token: string, path: string | null): Actor {
    const { id, row } = this.checkSecret(token, path)
    const now = this.now()
    if (row.status === 'revoked') {
      this.event('rejected', id, row.actor_id, path, 'revoked')
      throw new TokenInvalidError('Token has been revoked')
    }
    if (row.status === 'expired' || (row.expires_at !== null && now >= row.expires_at)) {
      if (row.status !== 'expired') {
        this.rows.delete(id)
        this.sql("update managed_tokens set status = 'expired' where id = ?").run(id)
        this.event('expired', id, row.actor_id, path, null)
      }
      throw new TokenInvalidError('Token has expired')
    }
    if (row.last_used_at === null || now - row.last_used_at >= USE_WRITE_INTERVAL) {
      this.rows.delete(id)
      this.sql('update managed_tokens set last_used_at = ? where id = ?').run(now, id)
      this.event('used', id, row.actor_id, path, null)
    }
    const actor: Actor = { id: row.actor_id, token: 'managed', token_id: id }
    if (row.restrictions) actor._r = JSON.parse(row.restrictions)
    if (row.expires_at !== null) actor.token_expires = row.expires_at
    return actor
  }

  /**
   * The token's id and row, once its secret matches the stored hash. A token that matched
   * before is recognised by its whole text: a client sends the same token on every request,
   * and hashing it each time cost about 5 % of a table page under load. Its row is still read
   * (revocation, expiry) every time.
   */
  private checkSecret(token: string, path: string | null): { id: string; row: CachedRow } {
    const known = this.matchedTokens.get(token)
    if (known !== undefined) {
      const row = this.row(known)
      if (row) return { id: known, row }
    }
    const match = TOKEN_SHAPE.exec(token)
    if (!match) {
      this.event('rejected', null, null, path, 'malformed')
      throw new TokenInvalidError('Invalid token')
    }
    const [, id, secret] = match as unknown as [string, string, string]
    const row = this.row(id)
    const matches = timingSafeEqual(row?.secret_hash ?? this.dummyHash, sha256(secret))
    if (!row || !matches) {
      this.event('rejected', row ? id : null, row?.actor_id ?? null, path, row ? 'wrong secret' : 'unknown id')
      throw new TokenInvalidError('Invalid token')
    }
    if (this.matchedTokens.size >= 1000) this.matchedTokens.clear()
    this.matchedTokens.set(token, id)
    return { id, row }
  }

  get(id: string): ManagedToken | undefined {
    const row = this.sql(`select ${COLUMNS} from managed_tokens where id = ?`).get(id) as RawRow | undefined
    return row && this.withStatus(row)
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
    return { tokens: rows.map((row) => this.withStatus(row)), total }
  }

  revoke(id: string, by: string | null): ManagedToken | undefined {
    this.rows.delete(id)
    const changed = this.sql("update managed_tokens set status = 'revoked', revoked_at = ?, revoked_by = ? where id = ? and status != 'revoked'").run(this.now(), by, id)
    const record = this.get(id)
    if (record && changed.changes > 0) this.event('revoked', id, record.actor_id, null, by === null ? null : `by ${by}`)
    return record
  }

  events(filter: { tokenId?: string; limit: number; offset: number }): TokenEvent[] {
    const where = filter.tokenId ? ' where token_id = ?' : ''
    const params = filter.tokenId ? [filter.tokenId] : []
    return this.sql(`select * from managed_token_events${where} order by id desc limit ? offset ?`).all(...params, filter.limit, filter.offset) as TokenEvent[]
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  private row(id: string): CachedRow | undefined {
    // No other connection can reach an in-memory database.
    if (this.path !== ':memory:') {
      const version = this.sql('pragma data_version').pluck().get() as number
      if (version !== this.dataVersion) {
        this.rows.clear()
        this.dataVersion = version
      }
    }
    let row = this.rows.get(id)
    if (!row) {
      row = this.sql(`select ${COLUMNS}, secret_hash from managed_tokens where id = ?`).get(id) as CachedRow | undefined
      // Only known ids are kept, so made-up ids cannot fill the map.
      if (row) {
        if (this.rows.size >= 1000) this.rows.clear()
        this.rows.set(id, row)
      }
    }
    return row
  }

  private sql(text: string): Database.Statement {
    let stmt = this.statements.get(text)
    if (!stmt) this.statements.set(text, (stmt = this.db.prepare(text)))
    return stmt
  }

  private event(event: TokenEvent['event'], tokenId: string | null, actorId: string | null, path: string | null, detail: string | null): void {
    this.sql('insert into managed_token_events (at, event, token_id, actor_id, path, detail) values (?, ?, ?, ?, ?, ?)').run(this.now(), event, tokenId, actorId, path, detail)
  }

  private withStatus(row: RawRow): ManagedToken {
    const expired = row.status === 'active' && row.expires_at !== null && row.expires_at <= this.now()
    return { ...row, status: expired ? 'expired' : row.status, restrictions: row.restrictions ? JSON.parse(row.restrictions) : null }
  }
}

type RawRow = Omit<ManagedToken, 'restrictions'> & { restrictions: string | null }
type CachedRow = RawRow & { secret_hash: Buffer }

