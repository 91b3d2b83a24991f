import type { Context } from 'hono'
import { ConfigError } from '../../config/errors.ts'
import { kind } from '../../config/schema.ts'
import { definePlugin } from '../../define-plugin.ts'
import type { Dataserve } from '../../dataserve.ts'
import { BadRequestError, ForbiddenError, HttpError, TokenInvalidError } from '../../errors.ts'
import { TokenRestrictions } from '../../token-restrictions.ts'
import type { Actor, DataserveEnv, Middleware, TokenHandler } from '../../types.ts'
import { didYouMean } from '../../util/nearest.ts'
import { isPromiseLike } from '../../hooks/call-loop.ts'
import { jsonObjectBody, optionalSeconds } from '../../request-input.ts'
import { VERSION } from '../../version.ts'
import { managedTokenRoutes } from './managed-api.ts'
import { MANAGED_PREFIX } from './managed-schema.ts'
import { ManagedTokenService } from './managed-service.ts'
import { createTokenForm, csrfTokenValid } from './create-token-form.ts'
import { FailureLimiter } from './rate-limit.ts'
import { signedTokenHandler } from './signed-handler.ts'
import { staticTokenHandler, type StaticToken } from './static-handler.ts'

/** `plugins.tokens` in datasette.yaml. */
interface TokensConfig {
  /** Accept tokens in this query-string parameter (`_auth_token`) on GET/HEAD. Off when absent. */
  param: string | null
  tokens: StaticToken[]
  rateLimit: { maxFailures: number; windowSeconds: number } | null
}

interface State {
  config: TokensConfig
  limiter: FailureLimiter | null
  store: ManagedTokenService | null
}

const CONFIG_KEYS = ['param', 'tokens', 'rate_limit']
const DEFAULT_PARAM = '_auth_token'
/** Longer than any token we issue: refuse before hashing megabytes. */
const MAX_TOKEN_LENGTH = 4096
const states = new WeakMap<Dataserve, State>()

function stateOf(ds: Dataserve): State {
  let state = states.get(ds)
  if (!state) {
    const config = parseConfig(ds)
    const limiter = config.rateLimit ? new FailureLimiter(config.rateLimit.maxFailures, config.rateLimit.windowSeconds * 1000) : null
    states.set(ds, (state = { config, limiter, store: null }))
  }
  return state
}

/** The managed-token store in the internal database, opened at startup. */
function storeOf(ds: Dataserve): ManagedTokenService {
  const { store } = stateOf(ds)
  if (!store) throw new HttpError(503, 'Managed tokens are not available yet', { 'Retry-After': '1' })
  return store
}

function managedTokenHandler(): TokenHandler {
  return {
    name: 'managed',
    supports: { expiresAfter: true, restrictions: true },
    createToken: async (ds, actorId, { expiresAfter, restrictions }) =>
      (
        await storeOf(ds).create(actorId, {
          expiresAfter,
          restrictions: restrictions && !restrictions.isEmpty() ? restrictions.toJSON((name) => ds.resolveAction(name)?.abbr ?? name) : null,
        })
      ).token,
    verifyToken: (ds, token, context) => (token.startsWith(MANAGED_PREFIX) ? storeOf(ds).verify(token, context?.path ?? null) : null),
  }
}

/**
 * API tokens: Datasette-compatible signed tokens (`dstok_`), static tokens from config,
 * `Authorization: Bearer` and, when enabled, `?_auth_token=` for clients that can only
 * send a URL (a spreadsheet's IMPORTDATA). Failed credentials are rate-limited per client.
 */
export default definePlugin({
  name: 'dataserve.tokens',
  version: VERSION,
  hooks: {
    registerTokenHandler: () => signedTokenHandler(),
    managedTokens: { specName: 'registerTokenHandler', tryLast: true, impl: () => managedTokenHandler() },
    // A second handler from the same plugin: pluggy's specName. Static tokens are checked
    // after the others, which can tell their tokens apart by prefix.
    staticTokens: {
      specName: 'registerTokenHandler',
      tryLast: true,
      impl: ({ ds }) => {
        const { tokens } = stateOf(ds).config
        return tokens.length > 0 ? staticTokenHandler(tokens) : null
      },
    },
    actorFromRequest: ({ ds, request }) => {
      const token = (request as CheckedRequest)[QUERY_TOKEN] ?? queryToken(ds, request.url) ?? bearerToken(request.headers.get('authorization'))
      if (token === undefined) return null
      if (token === '') throw new TokenInvalidError('Empty bearer token')
      if (token.length > MAX_TOKEN_LENGTH) throw new TokenInvalidError('Token too long')
      // Stays synchronous for synchronous handlers: no promise on the hot path.
      const found = ds.verifyToken(token, { path: pathOf(request.url) })
      return isPromiseLike(found) ? Promise.resolve(found).then(recognised) : recognised(found)
    },
    registerMiddleware: ({ ds }) => [tokenMiddleware(ds)],
    registerActions: () => [
      { name: 'auth-tokens-create', abbr: 'atc', description: 'Create managed API tokens', resourceKind: 'instance' },
      { name: 'auth-tokens-view-all', abbr: 'atv', description: "View every actor's managed tokens and the audit trail", resourceKind: 'instance' },
      { name: 'auth-tokens-revoke-all', abbr: 'atr', description: "Revoke any actor's managed tokens", resourceKind: 'instance' },
    ],
    registerRoutes: () => [
      { method: 'GET', path: '/-/create-token', handler: createTokenPage },
      { method: 'POST', path: '/-/create-token', handler: createTokenPost },
      ...managedTokenRoutes(storeOf, restrictionsFromJson),
    ],
    startup: async ({ ds }) => {
      const state = stateOf(ds)
      state.store = await ManagedTokenService.open(ds.internalPath, (message) => process.stderr.write(message + '\n'))
    },
    listening: ({ ds }) => {
      const where = ds.internalPath === ':memory:' ? 'in memory: they are lost on restart (pass --internal PATH to keep them)' : `in ${ds.internalPath}`
      process.stdout.write(`dataserve: managed tokens are kept ${where}\n`)
    },
    shutdown: async ({ ds }) => {
      const store = states.get(ds)?.store
      states.delete(ds)
      await store?.close()
    },
  },
})

/** The token in `Authorization: Bearer …` (scheme case-insensitive); undefined for other schemes. */
function bearerToken(header: string | null): string | undefined {
  if (header === null) return undefined
  const match = /^\s*([^\s]+)(?:\s+(.*))?$/.exec(header)
  if (!match || match[1]!.toLowerCase() !== 'bearer') return undefined
  return (match[2] ?? '').trim()
}

function recognised(actor: Actor | null): Actor {
  if (!actor) throw new TokenInvalidError('Token not recognised')
  return actor
}

function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  const end = url.indexOf('?', start)
  return start === -1 ? '/' : url.slice(start, end === -1 ? undefined : end)
}

/**
 * Fast path: most requests carry no token, and a string search costs less than parsing
 * the URL. Any percent-escape means the name could be hiding encoded (`%5Fauth%5Ftoken`).
 */
function mayHaveParam(url: string, name: string): boolean {
  return url.includes(name) || (url.includes('%') && url.includes('?'))
}

/**
 * Every value of one query-string parameter. Without a percent-escape in the query, a split
 * finds them without decoding every other parameter; with one, the name itself could be
 * encoded, so URLSearchParams decides.
 */
function paramValues(url: string, name: string): string[] {
  const q = url.indexOf('?')
  if (q === -1) return []
  const query = url.slice(q + 1)
  if (query.includes('%')) return new URLSearchParams(query).getAll(name)
  const values: string[] = []
  for (const part of query.split('&')) {
    if (part.startsWith(name) && (part.length === name.length || part[name.length] === '=')) values.push(part.slice(name.length + 1).replace(/\+/g, ' '))
  }
  return values
}

/**
 * The query-string token the middleware has read and checked, kept on the request so the URL
 * is parsed once. A property rather than a WeakMap: an ephemeron per request is work for
 * every garbage collection.
 */
const QUERY_TOKEN = Symbol('dataserve.queryToken')
type CheckedRequest = Request & { [QUERY_TOKEN]?: string }

/** The query-string token of a request URL, when query tokens are on and one was sent. */
function queryToken(ds: Dataserve, url: string): string | undefined {
  const name = stateOf(ds).config.param
  if (name === null || !mayHaveParam(url, name)) return undefined
  return paramValues(url, name)[0]
}

/**
 * Around every request: refuses ambiguous credentials, answers 429 to clients with too
 * many failed credentials, and marks responses to query-token requests as not to be
 * stored or leaked through Referer. (Nothing dataserve builds repeats the token: its
 * parameter is one of ds.credentialParams.)
 */
function tokenMiddleware(ds: Dataserve): Middleware {
  const { config } = stateOf(ds)
  const name = config.param ?? DEFAULT_PARAM
  ds.credentialParams.add(name)
  return async function tokens(c, next) {
    // OPTIONS reads no credential (the core answers it as for anonymous): never refuse it for one.
    if (c.req.method === 'OPTIONS') return next()
    const { limiter } = stateOf(ds)
    const rawUrl = c.req.url
    const values = mayHaveParam(rawUrl, name) ? paramValues(rawUrl, name) : []
    const hasHeader = c.req.header('authorization') !== undefined
    if (values.length > 0) {
      if (config.param === null) throw new BadRequestError(`Tokens in the query string are not enabled (set plugins.tokens.param to ${DEFAULT_PARAM})`)
      if (values.length > 1) throw new BadRequestError(`${name} was given more than once`)
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD') throw new BadRequestError(`${name} is accepted on GET and HEAD requests only`)
      if (hasHeader) throw new BadRequestError(`Send a token in the Authorization header or in ${name}, not both`)
      ;(c.req.raw as CheckedRequest)[QUERY_TOKEN] = values[0]!
    }
    const presented = values.length > 0 || hasHeader
    const client = clientAddress(c)
    if (presented && limiter) {
      const wait = limiter.retryAfter(client)
      if (wait > 0) throw new HttpError(429, 'Too many failed credentials from this client; try again later', { 'Retry-After': String(wait) })
    }
    await next()
    if (values.length > 0) {
      c.res.headers.set('Cache-Control', 'no-store')
      c.res.headers.set('Referrer-Policy', 'no-referrer')
    }
    if (presented && limiter && c.res.status === 401) limiter.fail(client)
  }
}

function clientAddress(c: Context<DataserveEnv>): string {
  return (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? 'unknown'
}

function requireHumanActor(actor: Actor | null): Actor {
  if (!actor) throw new ForbiddenError('You must be logged in to create a token')
  if (actor.token !== undefined) throw new ForbiddenError('Tokens cannot create tokens')
  return actor
}

async function createTokenPage(c: Context<DataserveEnv>) {
  const actor = requireHumanActor(c.get('actor'))
  return c.html(createTokenForm(c.get('ds'), actor))
}

/**
 * POST /-/create-token: JSON `{"expires_after": seconds, "restrictions": {"a": […], "d":
 * {db: […]}, "r": {db: {table: […]}}}, "handler": "signed"}`, or the HTML form's fields.
 */
async function createTokenPost(c: Context<DataserveEnv>) {
  const ds = c.get('ds')
  const actor = requireHumanActor(c.get('actor'))
  const type = c.req.header('content-type') ?? ''
  let expiresAfter: number | undefined
  let restrictions = new TokenRestrictions()
  // Datasette's view asks for handler="signed" too: the first handler is whichever plugin
  // registered last, and a plugin's token may not honour the expiry or restrictions asked for.
  let handler = 'signed'
  if (type.includes('application/json')) {
    const body = await jsonObjectBody(c)
    expiresAfter = optionalSeconds(body.expires_after)
    restrictions = restrictionsFromJson(ds, body.restrictions)
    if (body.handler !== undefined && typeof body.handler !== 'string') throw new BadRequestError('handler must be a string')
    if (typeof body.handler === 'string') handler = body.handler
  } else {
    const form = await c.req.parseBody({ all: true })
    const field = (name: string) => (Array.isArray(form[name]) ? String((form[name] as unknown[])[0]) : form[name] === undefined ? undefined : String(form[name]))
    // A form (unlike a JSON body) can be posted by a page on another site: it must carry
    // the CSRF token of a form this server gave this actor.
    if (!csrfTokenValid(ds, actor, field('csrftoken'))) throw new ForbiddenError('Missing or expired CSRF token: reload /-/create-token and submit the form again')
    expiresAfter = field('expire_type') === 'never' || !field('expire_duration') ? undefined : optionalSeconds(Number(field('expire_duration')) * unitSeconds(field('expire_type')))
    for (const key of Object.keys(form)) {
      const [kind, ...parts] = key.split(':')
      if (kind === 'all' && parts.length === 1) restrictions.allowAll(checkedAction(ds, parts[0]!))
      else if (kind === 'database' && parts.length === 2) restrictions.allowDatabase(parts[0]!, checkedAction(ds, parts[1]!))
      else if (kind === 'resource' && parts.length === 3) restrictions.allowResource(parts[0]!, parts[1]!, checkedAction(ds, parts[2]!))
    }
  }
  let token: string
  try {
    token = await ds.createToken(actor.id, { expiresAfter, restrictions: restrictions.isEmpty() ? undefined : restrictions, handler })
  } catch (error) {
    throw new BadRequestError((error as Error).message)
  }
  return c.json({ ok: true, token, actor_id: actor.id, expires_after: expiresAfter ?? null, restrictions: restrictions.toJSON() })
}

const UNIT_SECONDS = new Map([['minutes', 60], ['hours', 3600], ['days', 86400]])

function unitSeconds(unit: string | undefined): number {
  return UNIT_SECONDS.get(unit ?? '') ?? 1
}

function checkedAction(ds: Dataserve, name: string): string {
  const action = ds.resolveAction(name)
  if (!action) throw new BadRequestError(`Unknown action: ${name}`)
  return action.name
}

/** Datasette's `_r` shape from a request, checked, as TokenRestrictions. */
export function restrictionsFromJson(ds: Dataserve, value: unknown): TokenRestrictions {
  const restrictions = new TokenRestrictions()
  if (value === undefined || value === null) return restrictions
  const bad = () => new BadRequestError('restrictions must look like {"a": [actions], "d": {db: [actions]}, "r": {db: {table: [actions]}}}')
  if (typeof value !== 'object' || Array.isArray(value)) throw bad()
  const { a, d, r, ...rest } = value as Record<string, unknown>
  if (Object.keys(rest).length > 0) throw bad()
  const list = (v: unknown) => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad()
    return v as string[]
  }
  const map = (v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad()
    return v as Record<string, unknown>
  }
  if (a !== undefined) for (const action of list(a)) restrictions.allowAll(checkedAction(ds, action))
  if (d !== undefined) for (const [db, actions] of Object.entries(map(d))) for (const action of list(actions)) restrictions.allowDatabase(db, checkedAction(ds, action))
  if (r !== undefined) {
    for (const [db, resources] of Object.entries(map(r))) {
      for (const [resource, actions] of Object.entries(map(resources))) for (const action of list(actions)) restrictions.allowResource(db, resource, checkedAction(ds, action))
    }
  }
  return restrictions
}

function parseConfig(ds: Dataserve): TokensConfig {
  const raw = ds.pluginConfig('tokens') ?? {}
  const file = ds.configFile
  const path = (...keys: string[]) => ['plugins', 'tokens', ...keys]
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(file, path(), 'expected a mapping')
  const config = raw as Record<string, unknown>
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.includes(key)) throw new ConfigError(file, path(key), `unknown key${didYouMean(key, CONFIG_KEYS)}`)
  }
  const param = config.param ?? null
  // A leading underscore keeps it apart from column filters (`?column=value`).
  if (param !== null && (typeof param !== 'string' || !/^_[A-Za-z0-9_]+$/.test(param))) throw new ConfigError(file, path('param'), 'expected a query parameter name starting with _, like _auth_token')
  const tokens: StaticToken[] = []
  if (config.tokens !== undefined) {
    if (!Array.isArray(config.tokens)) throw new ConfigError(file, path('tokens'), 'expected a list of {token, actor}')
    config.tokens.forEach((entry: unknown, i: number) => {
      const { token, actor } = (entry ?? {}) as { token?: unknown; actor?: unknown }
      if (typeof token !== 'string' || token.length < 16) throw new ConfigError(file, path('tokens', String(i), 'token'), 'expected a secret of at least 16 characters')
      if (typeof actor !== 'object' || actor === null || typeof (actor as Actor).id !== 'string') throw new ConfigError(file, path('tokens', String(i), 'actor'), 'expected an actor like {id: sheets}')
      tokens.push({ token, actor: actor as Actor })
    })
  }
  let rateLimit: TokensConfig['rateLimit'] = { maxFailures: 20, windowSeconds: 60 }
  if (config.rate_limit === false) rateLimit = null
  else if (config.rate_limit !== undefined) {
    if (typeof config.rate_limit !== 'object' || config.rate_limit === null || Array.isArray(config.rate_limit)) {
      throw new ConfigError(file, path('rate_limit'), `expected false (no limit) or a mapping {max_failures, window_seconds}, got ${kind(config.rate_limit)}`)
    }
    const { max_failures, window_seconds, ...other } = config.rate_limit as Record<string, unknown>
    if (Object.keys(other).length > 0) throw new ConfigError(file, path('rate_limit', Object.keys(other)[0]!), 'unknown key (max_failures, window_seconds)')
    const positive = (v: unknown, key: string, fallback: number) => {
      if (v === undefined) return fallback
      if (!Number.isInteger(v) || (v as number) < 1) throw new ConfigError(file, path('rate_limit', key), 'expected a whole number ≥ 1')
      return v as number
    }
    rateLimit = { maxFailures: positive(max_failures, 'max_failures', 20), windowSeconds: positive(window_seconds, 'window_seconds', 60) }
  }
  return { param: param as string | null, tokens, rateLimit }
}
