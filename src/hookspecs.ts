import type BetterSqlite3 from 'better-sqlite3'
import type { DataserveConfig } from './config/load.ts'
import type { Dataserve } from './dataserve.ts'
import { defineHookspecs } from './hooks/define-hookspecs.ts'
import type { FirstResultHook, Hook, SpecOptionsMap } from './hooks/types.ts'
import type { Action, Actor, CellRendering, Challenge, Command, HtmlView, MenuLink, Middleware, Readiness, Resource, Route, TokenHandler } from './types.ts'

/**
 * Every hook dataserve calls: the single source of truth for names, arguments and results.
 * Each hook takes one object of named arguments; an implementation destructures the ones it
 * needs. Every hook has a section in docs/hooks.md and a test in test/hooks/.
 */
export interface Hookspecs {
  /** Once, after plugins are loaded and databases opened, before the server listens. */
  startup: Hook<{ ds: Dataserve }, void>

  /** Routes to add to the app. Called once at startup. */
  registerRoutes: Hook<{ ds: Dataserve }, Route[]>

  /**
   * Who is making this request? Return an actor, nothing for "not me", or throw
   * `TokenInvalidError` for a credential you recognise but reject. The first actor wins.
   */
  actorFromRequest: FirstResultHook<{ ds: Dataserve; request: Request }, Actor>

  /** A kind of API token (`ds.createToken()` / `ds.verifyToken()`). Called at startup and on every config reload. */
  registerTokenHandler: Hook<{ ds: Dataserve }, TokenHandler>

  /**
   * May `actor` perform `action` on `resource`? Answer true, false or nothing. Any false
   * denies, otherwise any true allows, otherwise the answer is deny.
   */
  permissionAllowed: Hook<{ ds: Dataserve; actor: Actor | null; action: string; resource: Resource }, boolean>

  /** Actions that permission checks can be about. Called once at startup. */
  registerActions: Hook<{ ds: Dataserve }, Action[]>

  /** Called for every SQLite connection dataserve opens, to add functions or pragmas. */
  prepareConnection: Hook<{ ds: Dataserve; database: string; connection: BetterSqlite3.Database }, void>

  /** Once, when the server stops, after it stopped accepting requests: release what startup took. */
  shutdown: Hook<{ ds: Dataserve }, void>

  /** Once the server is listening, with its base URL: tell the operator where things are. */
  listening: Hook<{ ds: Dataserve; url: string }, void>

  /**
   * Hono middleware wrapping every request, outside actor resolution and routing (like
   * Datasette's asgi_wrapper). Called once at startup.
   */
  registerMiddleware: Hook<{ ds: Dataserve }, Middleware[]>

  /**
   * A request was refused (403) because `actor` may not `action`: answer a challenge saying
   * which credentials would do (Datasette's `forbidden`). When the request is anonymous and
   * any implementation answers, it becomes a 401 carrying every challenge, so a browser asks
   * for a password and an API client learns which token to send; a signed-in actor keeps the
   * 403, with the challenges (`Bearer error="insufficient_scope"`).
   */
  forbidden: Hook<{ ds: Dataserve; request: Request; actor: Actor | null; action: string | undefined; resource: Resource; message: string }, Challenge>

  /**
   * Whether this plugin is ready to serve, for `GET /readyz` (200 when every answer is
   * ready, else 503 with the details and `Retry-After`). Liveness (`/healthz`) asks nobody.
   */
  readiness: Hook<{ ds: Dataserve }, Readiness>

  /**
   * Query-string parameters that carry credentials (`_auth_token`): nothing dataserve writes
   * (next_url, Link, redirects) repeats them, and logs show `***` for their values. Called
   * at startup and on every config reload.
   */
  registerCredentialParams: Hook<{ ds: Dataserve }, string[]>

  /**
   * Request headers that carry credentials (`X-API-Key`), besides `Authorization`: a request
   * with one is rate-limited after failed credentials, and one with two kinds of credential
   * is refused as ambiguous. Called at startup and on every config reload.
   */
  registerCredentialHeaders: Hook<{ ds: Dataserve }, string[]>

  /**
   * A config is about to come into force: at startup (`reload` false) and before every
   * reload is swapped in, with `ds.config` showing the new config. Check your block and
   * prepare what requests will need; throw (a `ConfigError` naming the key) to refuse it, and
   * the config in force stays.
   */
  prepareConfig: Hook<{ ds: Dataserve; reload: boolean }, void>

  /**
   * A reload was swapped in (`ds.config` is the new config, `previous` the old): release
   * what only the old one needed, and say what changed that the operator should know.
   */
  configReloaded: Hook<{ ds: Dataserve; previous: DataserveConfig }, void>

  /**
   * Subcommands of the `dataserve` command line (Datasette's `register_commands`):
   * `dataserve NAME …` runs the command named NAME. Called when the command line starts,
   * before any Dataserve exists.
   */
  registerCommands: Hook<{}, Command[]>

  /**
   * A browser asked for a page (Datasette's URLs without `.json`), or a request a browser
   * made failed (`view: "error"`): draw it as HTML. The first Response wins; with none, the
   * page answers JSON as its `.json` URL would (and an error its JSON error).
   */
  renderHtml: FirstResultHook<{ ds: Dataserve; request: Request; actor: Actor | null; page: HtmlView }, Response>

  /** Stylesheets every page links after its own (Datasette's `extra_css_urls`): paths on this server or https URLs. */
  extraCssUrls: Hook<{ ds: Dataserve; request: Request; view: HtmlView['view'] }, string[]>

  /** Scripts pages load, deferred (Datasette's `extra_js_urls`); the page's Content-Security-Policy lets just these run. */
  extraJsUrls: Hook<{ ds: Dataserve; request: Request; view: HtmlView['view'] }, string[]>

  /** Links in the table page's actions menu (Datasette's `table_actions`). */
  tableActions: Hook<{ ds: Dataserve; request: Request; actor: Actor | null; database: string; table: string }, MenuLink[]>

  /** Links in the row page's actions menu (Datasette's `row_actions`). */
  rowActions: Hook<{ ds: Dataserve; request: Request; actor: Actor | null; database: string; table: string; row: Record<string, unknown> }, MenuLink[]>

  /**
   * One cell of a table, row or query page (Datasette's `render_cell`): answer text, or
   * `{ html }` you have escaped yourself, to draw it differently (a link, an image); nothing
   * leaves the default. `table` is null on query pages. The first answer wins.
   */
  renderCell: FirstResultHook<{ ds: Dataserve; request: Request; database: string; table: string | null; column: string; value: unknown }, CellRendering>
}

export const hookspecs: SpecOptionsMap<Hookspecs> = defineHookspecs<Hookspecs>()({
  startup: { args: ['ds'] },
  registerRoutes: { args: ['ds'] },
  actorFromRequest: { args: ['ds', 'request'], firstResult: true },
  registerTokenHandler: { args: ['ds'] },
  permissionAllowed: { args: ['ds', 'actor', 'action', 'resource'] },
  registerActions: { args: ['ds'] },
  prepareConnection: { args: ['ds', 'database', 'connection'] },
  shutdown: { args: ['ds'] },
  listening: { args: ['ds', 'url'] },
  registerMiddleware: { args: ['ds'] },
  forbidden: { args: ['ds', 'request', 'actor', 'action', 'resource', 'message'] },
  readiness: { args: ['ds'] },
  registerCredentialParams: { args: ['ds'] },
  registerCredentialHeaders: { args: ['ds'] },
  prepareConfig: { args: ['ds', 'reload'] },
  configReloaded: { args: ['ds', 'previous'] },
  registerCommands: { args: [] },
  renderHtml: { args: ['ds', 'request', 'actor', 'page'], firstResult: true },
  extraCssUrls: { args: ['ds', 'request', 'view'] },
  extraJsUrls: { args: ['ds', 'request', 'view'] },
  tableActions: { args: ['ds', 'request', 'actor', 'database', 'table'] },
  rowActions: { args: ['ds', 'request', 'actor', 'database', 'table', 'row'] },
  renderCell: { args: ['ds', 'request', 'database', 'table', 'column', 'value'], firstResult: true },
})
