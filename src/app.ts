import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { TrieRouter } from 'hono/router/trie-router'
import type { Dataserve } from './dataserve.ts'
import { BadRequestError, errorBody, ForbiddenError, HttpError, TokenInvalidError } from './errors.ts'
import { presentedCredentials } from './credentials/presented.ts'
import { markPeer } from './credentials/request-client.ts'
import { isPromiseLike } from './hooks/call-loop.ts'
import { redactUrl } from './redact.ts'
import type { Actor, Challenge, DataserveEnv, HttpMethod, Resource, Route } from './types.ts'

export interface AppOptions {
  /** One line per request; secrets are redacted before it is called. Omit for no access log. */
  accessLog?: (line: string) => void
  /** Unexpected errors, with their stack: for the operator, never for the client. */
  errorLog?: (message: string) => void
  /** Datasette's `--cors`: let browsers on any origin read the API. */
  cors?: boolean
}

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'ALL']

/**
 * The request pipeline: log, resolve the actor through `actorFromRequest`, dispatch to the
 * routes plugins registered, and turn every error into a JSON error response.
 */
export async function buildApp(ds: Dataserve, options: AppOptions = {}): Promise<Hono<DataserveEnv>> {
  const app = new Hono<DataserveEnv>()
  const errorLog = options.errorLog ?? ((message) => process.stderr.write(message + '\n'))

  // First of all: the request keeps the config in force now until it ends, whatever reloads.
  app.use((c, next) => {
    markPeer(c.req.raw, (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress)
    return ds.inRequest(next)
  })
  if (options.accessLog) app.use(accessLogger(ds, options.accessLog))
  app.use(jsonCharset)
  if (options.cors) app.use(cors(ds))
  for (const middleware of (await ds.plugins.hook.registerMiddleware({ ds })).flat()) {
    if (typeof middleware !== 'function') throw new Error('registerMiddleware must return a list of middleware functions')
    app.use(middleware)
  }
  app.use(resolveActor(ds))

  const routes = (await ds.plugins.hook.registerRoutes({ ds })).flat()
  for (const route of routes) {
    checkRoute(route)
    app.on(route.method, route.path, route.handler)
  }
  app.options('*', optionsResponder(routes))

  app.notFound((c) => asPage(ds, c, c.json(errorBody(404, 'Not found'), 404), 'Not found'))
  app.onError(async (error, c) => asPage(ds, c, await errorResponse(error, c, errorLog, ds), error instanceof HttpError || (error instanceof HTTPException && error.status < 500) ? error.message : 'Internal server error'))
  return app
}

function resolveActor(ds: Dataserve): MiddlewareHandler<DataserveEnv> {
  return async function resolveActor(c, next) {
    c.set('ds', ds)
    // OPTIONS asks what a URL supports (LibreOffice asks before every GET, credentials and
    // all): it reads no credential and is answered as for anonymous, granting nothing.
    if (c.req.method === 'OPTIONS') {
      c.set('actor', null)
      return next()
    }
    checkCredentialHeaders(c)
    const request = c.req.raw
    const presented = presentedCredentials(request, ds.credentialHeaders, ds.credentialParams)
    if (presented.length > 1) throw new BadRequestError(`Send one credential, not several (this request has ${presented.join(', ')})`)
    if (presented.length > 0) {
      const wait = ds.failedCredentialWait(request)
      if (wait > 0) throw new HttpError(429, 'Too many failed credentials from this client; try again later', { 'Retry-After': String(wait) })
    }
    let actor: Actor | undefined
    try {
      const found = ds.plugins.hook.actorFromRequest({ ds, request })
      actor = (isPromiseLike(found) ? await found : found) as Actor | undefined
      // A credential that was presented is never ignored: if no plugin claimed it, refuse.
      if (!actor && c.req.header('authorization') !== undefined) {
        throw new TokenInvalidError('The Authorization header was not recognised')
      }
    } catch (error) {
      // Every scheme's refusals count against the client, in one limiter.
      if (presented.length > 0 && error instanceof HttpError && error.status === 401) ds.recordFailedCredential(request)
      throw error
    }
    c.set('actor', actor ?? null)
    await next()
    // What an actor may see must not be handed to the next visitor by a shared cache (a CDN,
    // a caching proxy): only Authorization is protected from that by HTTP itself, not a key
    // header or a cookie session.
    if (actor || presented.length > 0) keepPrivate(c.res.headers)
  }
}

function keepPrivate(headers: Headers): void {
  const cache = headers.get('cache-control')
  if (cache === null || /\b(private|no-store)\b/i.test(cache)) return
  headers.set('cache-control', `private, ${cache.replace(/\bpublic\b,?\s*/i, '')}`)
}

/** Two Authorization headers are ambiguous; Node keeps only the first, so look at the raw list. */
function checkCredentialHeaders(c: Context<DataserveEnv>): void {
  const raw = (c.env as { incoming?: { rawHeaders?: string[] } } | undefined)?.incoming?.rawHeaders
  if (!raw) return
  let count = 0
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization') count++
  }
  if (count > 1) throw new BadRequestError('More than one Authorization header')
}

function accessLogger(ds: Dataserve, write: (line: string) => void): MiddlewareHandler<DataserveEnv> {
  return async function accessLog(c, next) {
    const started = performance.now()
    await next()
    const ms = (performance.now() - started).toFixed(1)
    write(`${c.req.method} ${redactUrl(c.req.url, ds.credentialParams)} ${c.res.status} ${ms}ms`)
  }
}

/** Hono's c.json() says `application/json`; say the charset too, as Datasette does. */
const jsonCharset: MiddlewareHandler<DataserveEnv> = async function jsonCharset(c, next) {
  await next()
  if (c.res.headers.get('content-type') === 'application/json') c.res.headers.set('content-type', 'application/json; charset=utf-8')
}

function cors(ds: Dataserve): MiddlewareHandler<DataserveEnv> {
  return async function cors(c, next) {
    if (c.req.method === 'OPTIONS') {
      return new Response(null, { status: 204, headers: corsHeaders(ds) })
    }
    await next()
    for (const [name, value] of Object.entries(corsHeaders(ds))) c.res.headers.set(name, value)
  }
}

/** A browser may send the credential headers plugins registered (`X-API-Key`), as it may Authorization. */
function corsHeaders(ds: Dataserve): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Headers': ['Authorization', 'Content-Type', ...ds.credentialHeaders].join(', '),
    'Access-Control-Expose-Headers': 'Link',
    'Access-Control-Allow-Methods': 'GET, POST, HEAD, OPTIONS',
    'Access-Control-Max-Age': '3600',
  }
}

/**
 * `OPTIONS` for a path no plugin answers OPTIONS on: 200 "ok" with `Allow` listing the
 * methods routes have for it, as Datasette answers; 404 when no route has the path.
 */
function optionsResponder(routes: readonly Route[]) {
  const router = new TrieRouter<string>()
  for (const route of routes) router.add(route.method, route.path, route.method)
  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
  return function options(c: Context<DataserveEnv>) {
    const path = c.req.path
    const allowed = methods.filter((method) => router.match(method, path)[0].length > 0)
    if (allowed.length === 0) return c.json(errorBody(404, 'Not found'), 404)
    if (allowed.includes('GET')) allowed.splice(1, 0, 'HEAD' as never)
    return c.text('ok', 200, { Allow: [...allowed, 'OPTIONS'].join(', ') })
  }
}

/**
 * A refusal, with what the auth plugins say would do (`forbidden`): an anonymous request
 * that any of them can authenticate becomes a 401 carrying every challenge; a signed-in
 * actor keeps the 403, with theirs.
 */
async function forbiddenResponse(error: ForbiddenError, c: Context<DataserveEnv>, errorLog: (message: string) => void, ds: Dataserve): Promise<Response> {
  const actor = c.get('actor') ?? null
  let challenges: Challenge[] = []
  try {
    challenges = await ds.plugins.hook.forbidden({ ds, request: c.req.raw, actor, action: error.denied.action, resource: error.denied.resource as Resource, message: error.message })
  } catch (failure) {
    errorLog(`forbidden hook failed for ${c.req.method} ${redactUrl(c.req.url, ds.credentialParams)}: ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}`)
  }
  const headers: Record<string, string> = { ...error.headers }
  const values = challenges.map((answer) => answer?.challenge).filter((value): value is string => typeof value === 'string' && value !== '')
  if (values.length > 0) {
    // One header line per challenge: browsers read only the first challenge of a line, so a
    // Basic challenge after an ApiKey one would never prompt. A fetch Response joins repeated
    // headers with commas; the Node response keeps them apart (writeHead merges what is set here).
    const outgoing = (c.env as { outgoing?: { setHeader?(name: string, value: string[]): void; headersSent?: boolean } } | undefined)?.outgoing
    if (values.length > 1 && typeof outgoing?.setHeader === 'function' && !outgoing.headersSent) outgoing.setHeader('WWW-Authenticate', values)
    else headers['WWW-Authenticate'] = values.join(', ')
  }
  const status = actor === null && values.length > 0 ? 401 : 403
  return c.json(errorBody(status, error.message), status, headers)
}

/**
 * An error for a browser is a page (when a plugin draws pages: `renderHtml` with the error
 * view), with the JSON error's status and headers (`WWW-Authenticate`, `Retry-After`); for
 * anyone else, and when no plugin answers, the JSON error stays.
 */
async function asPage(ds: Dataserve, c: Context<DataserveEnv>, json: Response, message: string): Promise<Response> {
  let page: Response | undefined
  try {
    page = await ds.plugins.hook.renderHtml({ ds, request: c.req.raw, actor: c.get('actor') ?? null, page: { view: 'error', status: json.status, message } })
  } catch {
    return json
  }
  if (!page) return json
  for (const [name, value] of json.headers) if (name !== 'content-type' && name !== 'content-length') page.headers.set(name, value)
  page.headers.append('Vary', 'Accept')
  return page
}

function checkRoute(route: Route): void {
  const label = `route ${JSON.stringify(route?.path)}`
  if (typeof route !== 'object' || route === null) throw new Error(`registerRoutes returned ${String(route)} instead of a route`)
  if (!METHODS.includes(route.method)) throw new Error(`${label}: method must be one of ${METHODS.join(', ')}, got ${String(route.method)}`)
  if (typeof route.path !== 'string' || !route.path.startsWith('/')) throw new Error(`${label}: path must be a string starting with '/'`)
  if (typeof route.handler !== 'function') throw new Error(`${label}: handler must be a function`)
}

async function errorResponse(error: unknown, c: Context<DataserveEnv>, errorLog: (message: string) => void, ds: Dataserve): Promise<Response> {
  if (error instanceof ForbiddenError) return forbiddenResponse(error, c, errorLog, ds)
  if (error instanceof HttpError) {
    return c.json(errorBody(error.status, error.message), error.status, error.headers)
  }
  if (error instanceof HTTPException && error.status < 500) {
    return c.json(errorBody(error.status, error.message || 'Bad request'), error.status)
  }
  errorLog(`Error handling ${c.req.method} ${redactUrl(c.req.url, ds.credentialParams)}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  return c.json(errorBody(500, 'Internal server error'), 500)
}
