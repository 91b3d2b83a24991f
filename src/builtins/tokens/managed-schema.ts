import type { RestrictionsJSON } from '../../plugin-api.ts'

/** What managed tokens look like on the wire and in the internal database. */

export const MANAGED_PREFIX = 'dsmt_'
export const TOKEN_SHAPE = /^dsmt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/
/** last_used_at (and the "used" audit event) is written at most this often per token. */
export const USE_WRITE_INTERVAL = 60

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

/**
 * Bookkeeping a token check leaves behind: an audit event, which for `used` also moves
 * `last_used_at` and for `expired` flips the status. Written off the request path.
 */
export type Bookkeeping = Omit<TokenEvent, 'id'>

export interface CreateOptions {
  description?: string
  restrictions?: RestrictionsJSON | null
  expiresAfter?: number
}

export const SCHEMA = `
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

export const COLUMNS = 'id, actor_id, description, restrictions, status, created_at, last_used_at, expires_at, revoked_at, revoked_by'

export type RawRow = Omit<ManagedToken, 'restrictions'> & { restrictions: string | null }
export type StoredRow = RawRow & { secret_hash: Buffer }

/** A row as the API shows it: expiry is flipped lazily, so it is computed here too. */
export function withStatus(row: RawRow, now: number): ManagedToken {
  const { secret_hash: _, ...rest } = row as StoredRow
  const expired = rest.status === 'active' && rest.expires_at !== null && rest.expires_at <= now
  return { ...rest, status: expired ? 'expired' : rest.status, restrictions: rest.restrictions ? JSON.parse(rest.restrictions) : null }
}

export const nowSeconds = () => Math.floor(Date.now() / 1000)
