import Database from 'better-sqlite3'
import { TokenReader } from './managed-reader.ts'
import { nowSeconds, type CreateOptions, type ManagedToken, type TokenEvent, type TokenStatus } from './managed-schema.ts'
import { TokenWriter } from './managed-writer.ts'
import type { Actor } from '../../plugin-api.ts'

export { MANAGED_PREFIX, type ManagedToken, type TokenEvent, type TokenStatus } from './managed-schema.ts'

/**
 * Managed tokens on one connection, every call synchronous, bookkeeping written as it
 * happens: for the `dataserve tokens` CLI, which may wait for a lock. A running server uses
 * ManagedTokenService instead, which never waits on the database in a request.
 */
export class ManagedTokenStore {
  private readonly db: Database.Database
  private readonly reader: TokenReader
  private readonly writer: TokenWriter

  constructor(
    readonly path: string,
    now: () => number = nowSeconds,
  ) {
    this.db = new Database(path, { timeout: 5000 })
    this.writer = new TokenWriter(this.db, now)
    this.reader = new TokenReader(this.db, (entry) => {
      this.writer.apply([entry])
      if (entry.token_id) this.reader.forget(entry.token_id)
    }, now, path !== ':memory:')
  }

  create(actorId: string, options: CreateOptions): { token: string; record: ManagedToken } {
    return this.writer.create(actorId, options)
  }

  verify(token: string, path: string | null): Actor {
    return this.reader.verify(token, path)
  }

  get(id: string): ManagedToken | undefined {
    return this.reader.get(id)
  }

  list(filter: { status?: TokenStatus; actorId?: string; limit: number; offset: number }): { tokens: ManagedToken[]; total: number } {
    return this.reader.list(filter)
  }

  revoke(id: string, by: string | null): ManagedToken | undefined {
    const record = this.writer.revoke(id, by)
    this.reader.forget(id)
    return record
  }

  events(filter: { tokenId?: string; limit: number; offset: number }): TokenEvent[] {
    return this.reader.events(filter)
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
