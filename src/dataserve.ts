import { createHmac } from 'node:crypto'
import type { DataserveConfig } from './config/load.ts'
import type { Settings } from './config/settings.ts'
import type { DatabaseHandle } from './databases.ts'
import type { SqlPool } from './sql/pool.ts'
import type { SqlThreads } from './sql/threads.ts'
import { ForbiddenError } from './errors.ts'
import type { Hookspecs } from './hookspecs.ts'
import type { PluginManager } from './hooks/manager.ts'
import type { Awaitable } from './hooks/types.ts'
import { isPromiseLike } from './hooks/call-loop.ts'
import type { ConfigGeneration, ReloadOutcome, ReloadTrigger } from './config-generation.ts'
import { FailureLimiter } from './credentials/limiter.ts'
import type { ProcessGroup } from './process-group.ts'
import { LocalSharedState, type SharedState } from './shared-state.ts'
import { clientOfRequest } from './credentials/request-client.ts'
import { RequestState, requestScope } from './request-scope.ts'
import { sign, unsign } from './signing.ts'
import { sha256 } from './util/sha256.ts'
import type { Action, Actor, CreateTokenOptions, Resource, TokenContext, TokenHandler } from './types.ts'

export interface DataserveOptions {
  config: DataserveConfig
  /**
   * Reads the config again, for `reloadConfig()`: the same file, `-s` overrides and
   * environment. Without it a reload re-reads nothing and keeps `config`.
   */
  loadConfig?: () => DataserveConfig
  /** Where reload notices go (stderr by default). */
  notice?: (message: string) => void
  plugins: PluginManager<Hookspecs>
  databases: readonly DatabaseHandle[]
  /** Signs cookies and tokens: the first signs, any verifies (secret rotation). */
  secret: string | readonly string[]
  /** The config file the config came from, for messages. */
  configFile?: string
  /** The internal database (plugins' own state), `:memory:` when not kept. */
  internalPath?: string
  /** The SQL processes behind `DatabaseHandle.execute()`; stopped by close(). */
  sql?: SqlPool
  /** The SQL threads behind `DatabaseHandle.query()` and `task()`; stopped by close(). */
  threads?: SqlThreads
  /** The other server processes under `--workers N`; none when this is the only one. */
  group?: ProcessGroup
}

export interface AllowedQuery {
  actor: Actor | null
  action: string
  resource?: Resource
}

/**
 * The object every hook receives as `ds`: configuration, the open databases and the entry
 * points plugins share (permission checks, tokens, signing). It knows nothing of tables,
 * tokens or permission rules itself: each entry point asks the hooks.
 */
export class Dataserve {
  /** Where the config came from (`datasette.yaml`), for messages naming it. */
  readonly configFile: string
  /**
   * Where plugins keep their own state (managed tokens, audit): a SQLite file from
   * `--internal PATH`, or `:memory:`, which does not survive a restart.
   */
  readonly internalPath: string
  /** The plugin manager: `ds.plugins.hook.name({ ... })` calls a hook. */
  readonly plugins: PluginManager<Hookspecs>
  /** Open databases by name, in the order they were given. */
  readonly databases: ReadonlyMap<string, DatabaseHandle>
  /** Newest first: sign() uses the first, unsign() accepts any. */
  readonly #secrets: readonly string[]
  readonly #hmacKeys = new Map<string, readonly { id: string; key: Buffer }[]>()
  #actions = new Map<string, Action>()
  #actionsByAbbr = new Map<string, Action>()
  readonly #sql: SqlPool | undefined
  readonly #threads: SqlThreads | undefined
  #closed = false
  /** The config in force for requests that start now. */
  #current: ConfigGeneration
  readonly #loadConfig: () => DataserveConfig
  readonly #notice: (message: string) => void
  #reloading: Promise<unknown> = Promise.resolve()
  #lastReload: ReloadOutcome | null = null
  /** Failed credentials per client, for every scheme; survives reloads. */
  readonly #failures = new FailureLimiter()
  readonly #group: ProcessGroup | undefined
  /**
   * Values every server process sees, for what must happen once per server rather than
   * once per process (a one-time login link): see SharedState.
   */
  readonly shared: SharedState

  constructor(options: DataserveOptions) {
    this.configFile = options.configFile ?? '<no config file>'
    this.internalPath = options.internalPath ?? ':memory:'
    this.plugins = options.plugins
    this.databases = new Map(options.databases.map((db) => [db.name, db]))
    this.#sql = options.sql
    this.#threads = options.threads
    this.#secrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret]
    if (this.#secrets.length === 0 || this.#secrets.some((secret) => secret === '')) throw new Error('Dataserve needs at least one non-empty secret')
    this.#current = newGeneration(1, options.config)
    this.#loadConfig = options.loadConfig ?? (() => options.config)
    this.#notice = options.notice ?? ((message) => process.stderr.write(message + '\n'))
    this.#group = options.group
    this.shared = options.group?.shared ?? new LocalSharedState()
    options.group?.attach({
      failed: (client, maxFailures, windowMs, at) => this.#failures.fail(client, maxFailures, windowMs, at),
      reload: (trigger, decide) => this.#queueReload(trigger, decide),
    })
  }

  /**
   * The config generation of the request being served (pinned when it started, so a reload
   * halfway through changes nothing it sees), else the one in force.
   */
  get generation(): ConfigGeneration {
    const scope = requestScope.getStore()
    return scope !== undefined && scope.owner === this ? scope.generation : this.#current
  }

  /** datasette.yaml, checked and with its secrets resolved: the request's generation. */
  get config(): DataserveConfig {
    return this.generation.config
  }

  get settings(): Settings {
    return this.generation.config.settings
  }

  /**
   * Query-string parameters that carry credentials (`_auth_token`), from
   * `registerCredentialParams`: nothing dataserve builds (next_url, Link, redirects) ever
   * repeats them, and logs hide their values.
   */
  get credentialParams(): ReadonlySet<string> {
    return this.generation.credentialParams
  }

  /** Request headers that carry credentials (lower case, `x-api-key`), from `registerCredentialHeaders`. */
  get credentialHeaders(): ReadonlySet<string> {
    return this.generation.credentialHeaders
  }

  /**
   * The client a request is from: its socket's address, or the forwarded one when the socket
   * is a proxy in `settings.trusted_proxies`. The key of the failed-credential limiter.
   */
  clientAddress(request: Request): string {
    return clientOfRequest(request, this.settings)
  }

  /**
   * Seconds before this request's client may present credentials again (0: now), under
   * `settings.failed_credentials_limit` / `failed_credentials_window_secs`.
   */
  failedCredentialWait(request: Request): number {
    const { failed_credentials_limit: limit, failed_credentials_window_secs: window } = this.settings
    return this.#failures.retryAfter(this.clientAddress(request), limit, window * 1000)
  }

  /**
   * Counts a refused credential against the request's client. The app does it for every 401
   * from `actorFromRequest` (any scheme); call it when you refuse a credential elsewhere.
   */
  recordFailedCredential(request: Request): void {
    const { failed_credentials_limit: limit, failed_credentials_window_secs: window } = this.settings
    const client = this.clientAddress(request)
    const at = Date.now()
    this.#failures.fail(client, limit, window * 1000, at)
    this.#group?.failed(client, limit, window * 1000, at)
  }

  /** Runs `fn` (a request) under the generation in force now, whatever reloads happen meanwhile. */
  inRequest<T>(fn: () => T): T {
    return requestScope.run(new RequestState(this, this.#current), fn)
  }

  /**
   * The `plugins:` block for one plugin; with `database` (and `table`) the block at that
   * level of `databases:` takes precedence, as in Datasette.
   *
   * @example
   * const { param } = (ds.pluginConfig('tokens') ?? {}) as { param?: string }
   */
  pluginConfig(name: string, where: { database?: string; table?: string } = {}): unknown {
    const db = where.database === undefined ? undefined : this.config.databases[where.database]
    if (db && where.table !== undefined) {
      const tableConfig = db.tables?.[where.table]?.plugins?.[name]
      if (tableConfig !== undefined) return tableConfig
    }
    if (db?.plugins?.[name] !== undefined) return db.plugins[name]
    return this.config.plugins[name]
  }

  /**
   * May `actor` perform `action` on `resource`? Asks every `permissionAllowed` impl: any
   * false denies, otherwise any true allows, otherwise deny.
   *
   * @example
   * if (!(await ds.allowed({ actor, action: 'view-table', resource: ['sales', 'orders'] }))) …
   */
  async allowed({ actor, action, resource }: AllowedQuery): Promise<boolean> {
    const cache = requestScope.getStore()?.forActor(actor)
    const key = cache && `${action}\0${resource === undefined ? '' : typeof resource === 'string' ? resource : resource.join('\0')}`
    const cached = key === undefined ? undefined : cache!.get(key)
    if (cached !== undefined) return cached
    let allowed = await this.decide(actor, action, resource)
    // An action may need another on the same database too (execute-sql needs view-database).
    const also = this.#actions.get(action)?.alsoRequires
    if (allowed && also) {
      const database = resource === undefined ? undefined : typeof resource === 'string' ? resource : resource[0]
      allowed = await this.allowed({ actor, action: also, resource: database })
    }
    if (key !== undefined) cache!.set(key, allowed)
    return allowed
  }

  private async decide(actor: Actor | null, action: string, resource: Resource): Promise<boolean> {
    const found = this.plugins.hook.permissionAllowed({ ds: this, actor, action, resource })
    const answers = isPromiseLike(found) ? await found : found
    return answers.length > 0 && !answers.includes(false) && answers.includes(true)
  }

  /** `allowed()`, throwing a 403 with `message` when the answer is no. */
  async ensureAllowed(query: AllowedQuery, message = `You do not have permission to ${query.action}`): Promise<void> {
    if (!(await this.allowed(query))) throw new ForbiddenError(message, { action: query.action, resource: query.resource })
  }

  /** Every action registered through `registerActions`, by name. */
  get actions(): ReadonlyMap<string, Action> {
    return this.#actions
  }

  /** The action with this name or abbreviation. */
  resolveAction(nameOrAbbr: string): Action | undefined {
    return this.#actions.get(nameOrAbbr) ?? this.#actionsByAbbr.get(nameOrAbbr)
  }

  /**
   * Creates an API token for `actorId` with the first token handler, or the one named by
   * `handler`. Throws when the handler cannot honour `expiresAfter` or `restrictions`
   * (see `TokenHandler.supports`). Anything that hands tokens to people should name its
   * handler, as Datasette's create-token view names "signed": the first handler is whichever
   * plugin registered last.
   */
  async createToken(actorId: string, options: CreateTokenOptions & { handler?: string } = {}): Promise<string> {
    const handlers = this.tokenHandlers
    const handler = options.handler === undefined ? handlers[0] : handlers.find((h) => h.name === options.handler)
    if (!handler) {
      const known = handlers.map((h) => h.name).join(', ') || 'none registered'
      throw new Error(options.handler === undefined ? 'No token handler is registered' : `Unknown token handler '${options.handler}' (known: ${known})`)
    }
    // A token broader than was asked for is worse than none: refuse what the handler cannot honour.
    if (options.expiresAfter !== undefined && !handler.supports?.expiresAfter) {
      throw new Error(`Token handler '${handler.name}' cannot create tokens that expire`)
    }
    if (options.restrictions !== undefined && !options.restrictions.isEmpty() && !handler.supports?.restrictions) {
      throw new Error(`Token handler '${handler.name}' cannot create restricted tokens`)
    }
    return handler.createToken(this, actorId, options)
  }

  /**
   * Asks each token handler in turn; the first actor wins. `null` means no handler claims
   * the token. A handler that claims it but rejects it throws `TokenInvalidError`.
   * Synchronous when the handlers are (a promise otherwise): `await` it either way.
   */
  verifyToken(token: string, context: TokenContext = {}): Awaitable<Actor | null> {
    return this.#verifyFrom(0, token, context)
  }

  #verifyFrom(from: number, token: string, context: TokenContext): Awaitable<Actor | null> {
    const handlers = this.tokenHandlers
    for (let i = from; i < handlers.length; i++) {
      const found = handlers[i]!.verifyToken(this, token, context)
      if (isPromiseLike(found)) return Promise.resolve(found).then((actor) => actor ?? this.#verifyFrom(i + 1, token, context))
      if (found) return found
    }
    return null
  }

  get tokenHandlers(): readonly TokenHandler[] {
    return this.generation.tokenHandlers
  }

  /** Signs a JSON-able value, in Datasette's format: values signed by either verify in both. */
  sign(value: unknown, namespace = 'default'): string {
    return sign(value, this.#secrets[0]!, namespace)
  }

  /**
   * The value `sign()` signed, with the current secret or any older one still configured;
   * throws `BadSignatureError` when tampered with or signed otherwise.
   */
  unsign(signed: string, namespace = 'default'): unknown {
    return unsign(signed, this.#secrets, namespace)
  }

  /**
   * HMAC-SHA256 keys for one purpose (`embed`), derived from each configured secret, newest
   * first: sign with the first, verify with the one whose `id` a signature names, so secrets
   * rotate as for `sign()`. The id (8 characters) says which secret without revealing it.
   */
  hmacKeys(purpose: string): readonly { id: string; key: Buffer }[] {
    let keys = this.#hmacKeys.get(purpose)
    if (!keys) {
      keys = this.#secrets.map((secret) => {
        const key = createHmac('sha256', secret).update(`dataserve.${purpose}`).digest()
        return { id: sha256(key).toString('base64url').slice(0, 8), key }
      })
      this.#hmacKeys.set(purpose, keys)
    }
    return keys
  }

  /**
   * Collects the actions plugins register (duplicate names or abbreviations stop startup),
   * then prepares the first config generation as a reload would prepare the next. Called
   * once by the server before `startup`.
   */
  async prepare(): Promise<void> {
    const actions = new Map<string, Action>()
    const byAbbr = new Map<string, Action>()
    for (const list of await this.plugins.hook.registerActions({ ds: this })) {
      for (const action of list) {
        if (actions.has(action.name)) throw new Error(`Duplicate action name '${action.name}'`)
        if (action.abbr !== undefined) {
          const clash = byAbbr.get(action.abbr) ?? actions.get(action.abbr)
          if (clash) throw new Error(`Action '${action.name}' abbreviation '${action.abbr}' is already used by '${clash.name}'`)
          byAbbr.set(action.abbr, action)
        }
        actions.set(action.name, action)
      }
    }
    this.#actions = actions
    this.#actionsByAbbr = byAbbr
    await this.#prepareGeneration(this.#current, false)
  }

  /**
   * What plugins register for one config (credential parameters and headers, token
   * handlers), then `prepareConfig`, all with `ds.config` showing that config: a plugin
   * that throws refuses it.
   */
  #prepareGeneration(generation: ConfigGeneration, reload: boolean): Promise<void> {
    return requestScope.run(new RequestState(this, generation), async () => {
      generation.credentialParams = new Set((await this.plugins.hook.registerCredentialParams({ ds: this })).flat())
      generation.credentialHeaders = new Set((await this.plugins.hook.registerCredentialHeaders({ ds: this })).flat().map((name) => name.toLowerCase()))
      const handlers = await this.plugins.hook.registerTokenHandler({ ds: this })
      const names = new Set<string>()
      for (const handler of handlers) {
        if (names.has(handler.name)) throw new Error(`Duplicate token handler name '${handler.name}'`)
        names.add(handler.name)
      }
      generation.tokenHandlers = handlers
      await this.plugins.hook.prepareConfig({ ds: this, reload })
    })
  }

  /**
   * Reads the config again and, when it and every plugin's block check out, swaps it in
   * whole: requests that start afterwards see the new config, those in flight finish under
   * theirs. A config that does not check out changes nothing: the one in force stays, and
   * the outcome says why (file and key). Reloads run one at a time, in the order asked.
   */
  reloadConfig(trigger: ReloadTrigger = 'call'): Promise<ReloadOutcome> {
    // Under --workers every process reloads together, this one included, through the primary.
    if (this.#group) return this.#group.reload(trigger)
    return this.#queueReload(trigger, async (refusal) => refusal)
  }

  #queueReload(trigger: ReloadTrigger, decide: (refusal: string | null) => Promise<string | null>): Promise<ReloadOutcome> {
    const run = this.#reloading.then(() => this.#reload(trigger, decide))
    this.#reloading = run
    return run
  }

  /** The last reload's outcome, null before any. */
  get lastReload(): ReloadOutcome | null {
    return this.#lastReload
  }

  /**
   * Reads and checks the config, then swaps it in when `decide`, told whether it checked
   * out here, answers with no refusal (another process's refusal refuses it here too).
   */
  async #reload(trigger: ReloadTrigger, decide: (refusal: string | null) => Promise<string | null>): Promise<ReloadOutcome> {
    const previous = this.#current
    let next: ConfigGeneration | undefined
    let refusal: string | null = null
    try {
      if (this.#closed) throw new Error('the server is shutting down')
      next = newGeneration(previous.number + 1, this.#loadConfig())
      await this.#prepareGeneration(next, true)
    } catch (error) {
      refusal = reasonOf(error)
    }
    refusal = await decide(refusal)
    if (refusal !== null || next === undefined) {
      const outcome: ReloadOutcome = { ok: false, trigger, at: Date.now(), generation: previous.number, error: refusal ?? 'refused' }
      this.#lastReload = outcome
      this.#notice(`dataserve: config reload (${trigger}) refused; the config in force stays: ${outcome.error}`)
      return outcome
    }
    this.#current = next
    this.#sql?.reconfigure(next.config, next.config.settings)
    this.#threads?.reconfigure(next.config, next.config.settings)
    for (const name of RESTART_ONLY_SETTINGS) {
      if (previous.config.settings[name] !== next.config.settings[name]) this.#notice(`dataserve: warning: settings.${name} changed; it takes effect on restart only`)
    }
    this.#notice(`dataserve: config reloaded (${trigger}) from ${this.configFile}`)
    try {
      await requestScope.run(new RequestState(this, next), () => this.plugins.hook.configReloaded({ ds: this, previous: previous.config }))
    } catch (error) {
      this.#notice(`dataserve: after the reload, a configReloaded hook failed: ${reasonOf(error)}`)
    }
    const outcome: ReloadOutcome = { ok: true, trigger, at: Date.now(), generation: next.number }
    this.#lastReload = outcome
    return outcome
  }

  /** Calls `prepareConnection` for every open database. */
  async prepareConnections(): Promise<void> {
    for (const db of this.databases.values()) {
      await this.plugins.hook.prepareConnection({ ds: this, database: db.name, connection: db.connection })
    }
  }

  /** Starts a SQL process and the SQL threads, so the first time-limited or heavy query finds them warm. Called by the server once it listens. */
  warmUp(): void {
    this.#sql?.warm()
    this.#threads?.warm()
  }

  /** Calls `shutdown` (once, after a reload under way), then stops the SQL processes and closes the databases. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#reloading
    try {
      await this.plugins.hook.shutdown({ ds: this })
    } finally {
      this.#sql?.close()
      this.#threads?.close()
      for (const db of this.databases.values()) {
        if (db.connection.open) db.connection.close()
      }
    }
  }
}

/** Settings read when the server starts (connections, processes): a reload warns instead. */
const RESTART_ONLY_SETTINGS = ['num_sql_threads', 'cache_size_kb'] as const

function newGeneration(number: number, config: DataserveConfig): ConfigGeneration {
  return { number, config, loadedAt: Date.now(), tokenHandlers: [], credentialParams: new Set(), credentialHeaders: new Set() }
}

/** A refusal's message: ConfigError and StartupError say file and key; nothing else is trusted to. */
function reasonOf(error: unknown): string {
  if (error instanceof Error && (error.name === 'ConfigError' || error.name === 'StartupError')) return error.message
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
