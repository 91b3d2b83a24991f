/** Datasette's `_r` restriction block, actions abbreviated where an abbreviation exists. */
export interface RestrictionsJSON {
  a?: string[]
  d?: Record<string, string[]>
  r?: Record<string, Record<string, string[]>>
}

/**
 * What a token may do, at most: restrictions only ever take access away from the actor
 * the token belongs to.
 *
 * @example
 * const restrictions = new TokenRestrictions()
 *   .allowAll('view-instance')
 *   .allowResource('sales', 'orders', 'view-table')
 * await ds.createToken('sheets', { restrictions, expiresAfter: 3600 })
 */
export class TokenRestrictions {
  private readonly all: string[] = []
  private readonly databases = new Map<string, string[]>()
  private readonly resources = new Map<string, Map<string, string[]>>()

  /** Allow `action` everywhere the actor may do it. */
  allowAll(action: string): this {
    if (!this.all.includes(action)) this.all.push(action)
    return this
  }

  /** Allow `action` on one database and everything in it. */
  allowDatabase(database: string, action: string): this {
    addTo(this.databases, database, action)
    return this
  }

  /** Allow `action` on one table or query of one database. */
  allowResource(database: string, resource: string, action: string): this {
    let byResource = this.resources.get(database)
    if (!byResource) this.resources.set(database, (byResource = new Map()))
    addTo(byResource, resource, action)
    return this
  }

  isEmpty(): boolean {
    return this.all.length === 0 && this.databases.size === 0 && this.resources.size === 0
  }

  /**
   * Datasette's `_r` shape with each action written as its registered abbreviation (`vt`
   * for view-table), as Datasette writes restrictions into tokens.
   *
   * @example
   * payload._r = restrictions.abbreviated(ds)
   */
  abbreviated(ds: { resolveAction(nameOrAbbr: string): { abbr?: string } | undefined }): RestrictionsJSON {
    return this.toJSON((action) => ds.resolveAction(action)?.abbr ?? action)
  }

  /** Datasette's `_r` shape; `abbreviate` maps an action name to its abbreviation. */
  toJSON(abbreviate: (action: string) => string = (action) => action): RestrictionsJSON {
    const out: RestrictionsJSON = {}
    if (this.all.length > 0) out.a = this.all.map(abbreviate)
    if (this.databases.size > 0) {
      out.d = Object.fromEntries([...this.databases].map(([db, actions]) => [db, actions.map(abbreviate)]))
    }
    if (this.resources.size > 0) {
      out.r = Object.fromEntries(
        [...this.resources].map(([db, byResource]) => [
          db,
          Object.fromEntries([...byResource].map(([resource, actions]) => [resource, actions.map(abbreviate)])),
        ]),
      )
    }
    return out
  }
}

function addTo(map: Map<string, string[]>, key: string, action: string): void {
  const actions = map.get(key)
  if (!actions) map.set(key, [action])
  else if (!actions.includes(action)) actions.push(action)
}
