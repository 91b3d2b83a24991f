import type { Context, MiddlewareHandler } from 'hono'
import type { Dataserve } from './dataserve.ts'
import type { Awaitable } from './hooks/types.ts'
import type { ServeOptions } from './server.ts'
import type { TokenRestrictions } from './token-restrictions.ts'

/** Who is making a request: at least an `id`. No actor (`null`) means anonymous. */
export interface Actor {
  id: string
  [key: string]: unknown
}

/**
 * What a permission check is about: nothing for the whole instance, a database name, or
 * `[database, table-or-query]`.
 */
export type Resource = undefined | string | readonly [database: string, child: string]

/** The Hono environment of every route: `c.get('ds')` and `c.get('actor')`. */
export interface DataserveEnv {
  Variables: {
    ds: Dataserve
    actor: Actor | null
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'ALL'

/** A Hono middleware contributed by `registerMiddleware`: `await next()` runs the rest. */
export type Middleware = MiddlewareHandler<DataserveEnv>

/** A route contributed by `registerRoutes`. `path` uses Hono's syntax (`/-/items/:id`). */
export interface Route {
  method: HttpMethod
  path: string
  handler: (c: Context<DataserveEnv>) => Awaitable<Response>
}

/** An action a permission check can be about, contributed by `registerActions`. */
export interface Action {
  /** e.g. `view-table` */
  name: string
  /** e.g. `vt`; used in token restrictions */
  abbr?: string
  description: string
  /** What the action applies to: the instance, a database, or a table or query in a database. */
  resourceKind: 'instance' | 'database' | 'table' | 'query'
  /** Another action the actor must also be allowed on the same database (execute-sql needs view-database). */
  alsoRequires?: string
}

export interface CreateTokenOptions {
  /** Seconds until the token expires; omitted means no expiry (subject to the handler's cap). */
  expiresAfter?: number
  restrictions?: TokenRestrictions
}

/**
 * A kind of API token, contributed by `registerTokenHandler`.
 *
 * `verifyToken` answers an actor, `null` for "not mine", or throws `TokenInvalidError` for
 * "mine but bad".
 */
export interface TokenHandler {
  name: string
  /**
   * The options `createToken` honours. `ds.createToken()` refuses an expiry or restrictions
   * that the handler does not declare here, rather than minting a token broader than was
   * asked for. Omitted: neither.
   */
  supports?: TokenHandlerSupports
  createToken(ds: Dataserve, actorId: string, options: CreateTokenOptions): Awaitable<string>
  verifyToken(ds: Dataserve, token: string, context?: TokenContext): Awaitable<Actor | null>
}

export interface TokenHandlerSupports {
  /** Tokens it creates stop working after `expiresAfter` seconds. */
  expiresAfter?: boolean
  /** Tokens it creates carry `restrictions` and can do no more than they allow. */
  restrictions?: boolean
}

/**
 * What a `forbidden` implementation answers: a `WWW-Authenticate` challenge for the refused
 * request (RFC 7235), e.g. `Bearer realm="dataserve"` or `Basic realm="dataserve",
 * charset="UTF-8"`.
 */
export interface Challenge {
  challenge: string
}

/** What a `readiness` implementation answers, for `/readyz`. */
export interface Readiness {
  /** Who is answering: `oidc`, … */
  component: string
  ready: boolean
  /** Why not, for the operator (no secrets). */
  detail?: string
  /** Seconds until it may be ready: `Retry-After` of the 503. */
  retryAfter?: number
}

/** A subcommand of the `dataserve` command line, from `registerCommands`. */
export interface Command {
  /** `dataserve NAME …` */
  name: string
  /** Its lines in `dataserve --help`. */
  usage: string
  /** Runs with the arguments after the name; resolves with the exit code. Throw `UsageError` for a wrong argument (exit 2). */
  run(argv: readonly string[], context: CommandContext): Promise<number>
}

/** What a command gets from the command line. */
export interface CommandContext {
  /** A Dataserve built as the server builds one (config, plugins, databases), without listening. Close it when done. */
  createDataserve(options: ServeOptions): Promise<Dataserve>
  /** A line on stdout. */
  print(text: string): void
  /** A line on stderr. */
  warn(text: string): void
}

/** Where a token was presented, for handlers that keep an audit trail. */
export interface TokenContext {
  /** The request path, without the query string (which may hold the token). */
  path?: string
}

/**
 * The pages a browser sees (Datasette's URLs without `.json`): what the tables plugin
 * hands to `renderHtml`, and what an HTML plugin draws. Values in rows are as SQLite gave
 * them: numbers, bigints, strings, `null`, and Buffers for BLOBs.
 */
export type HtmlView =
  | { view: 'index'; databases: { name: string; path: string; tables: { name: string; path: string; count: number | null }[]; tablesCount: number; viewsCount: number; rowsSum: number }[] }
  | { view: 'database'; database: string; path: string; tables: HtmlTableSummary[]; views: { name: string; path: string }[]; canExecuteSql: boolean; queryPath: string }
  | ({ view: 'table' } & HtmlTablePage)
  | { view: 'row'; database: string; table: string; tablePath: string; rowPath: string; columns: string[]; row: unknown[]; primaryKeys: string[]; jsonPath: string }
  | { view: 'query'; database: string; databasePath: string; sql: string; columns: string[]; rows: unknown[][]; truncated: boolean; jsonPath: string; csvPath: string; error: string | null }
  | { view: 'error'; status: number; message: string }
  /** Another plugin's page (the tokens pages) in the same layout: `html` is markup it escaped itself. */
  | { view: 'page'; title: string; crumbs: { label: string; href: string }[]; html: string; status?: number }

export interface HtmlTableSummary {
  name: string
  path: string
  columns: string[]
  count: number | null
  fts: boolean
  hidden: boolean
}

export interface HtmlTablePage {
  database: string
  databasePath: string
  table: string
  isView: boolean
  columns: string[]
  primaryKeys: string[]
  rows: unknown[][]
  /** The path of each row's own page, or null (views have none). */
  rowPaths: (string | null)[]
  sort: { column: string; desc: boolean } | null
  /** `_size` as the request gave it, kept by the filter form. */
  size: string | null
  sortable: string[]
  filters: { column: string; op: string; value: string }[]
  operations: readonly string[]
  /** The full-text search in force, when the table has FTS. */
  search: string | null
  fts: boolean
  count: number | null
  humanDescription: string
  /** Links, built by the core URL builder (never carrying credential parameters). */
  urls: { next: string | null; json: string; csv: string; csvStream: string; sortBy: Record<string, { asc: string; desc: string }>; clearFilters: string }
  /**
   * For a person who came with a query-string token (a spreadsheet user): a Google Sheets
   * formula reading this view as CSV, with a placeholder where their token goes (a page never
   * repeats a credential).
   */
  importData: string | null
}

/** A link in a page's menu (table or row actions). */
export interface MenuLink {
  href: string
  label: string
  /** A line under the label. */
  description?: string
}

/** What `renderCell` may answer: text (escaped for you) or markup you have escaped yourself. */
export type CellRendering = string | { html: string }
