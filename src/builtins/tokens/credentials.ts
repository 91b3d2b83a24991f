import { BadRequestError, isPromiseLike, TokenInvalidError, type Actor, type Dataserve, type Middleware } from '../../plugin-api.ts'
import { DEFAULT_PARAM } from './config.ts'
import { tokensConfig } from './state.ts'

/** Longer than any token we issue: refuse before hashing megabytes. */
const MAX_TOKEN_LENGTH = 4096

/**
 * `actorFromRequest`: the token of a request (query string, checked by the middleware, or
 * `Authorization: Bearer`), verified by the token handlers. A token no handler claims is a
 * 401, never anonymous. Stays synchronous for synchronous handlers: no promise on the hot path.
 */
export function actorFromToken({ ds, request }: { ds: Dataserve; request: Request }) {
  const token = (request as CheckedRequest)[QUERY_TOKEN] ?? queryToken(ds, request.url) ?? bearerToken(request.headers.get('authorization'))
  if (token === undefined) return null
  if (token === '') throw new TokenInvalidError('Empty bearer token')
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenInvalidError('Token too long')
  const found = ds.verifyToken(token, { path: pathOf(request.url) })
  return isPromiseLike(found) ? Promise.resolve(found).then(recognised) : recognised(found)
}

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
  const name = tokensConfig(ds).param
  if (name === null || !mayHaveParam(url, name)) return undefined
  return paramValues(url, name)[0]
}

/**
 * Around every request: refuses ambiguous query-string tokens and marks responses to
 * query-token requests as not to be stored or leaked through Referer. (Nothing dataserve
 * builds repeats the token: the plugin registers its parameter with
 * registerCredentialParams; failed credentials are counted by the core's limiter.)
 */
export function tokenMiddleware(ds: Dataserve): Middleware {
  return async function tokens(c, next) {
    // OPTIONS reads no credential (the core answers it as for anonymous): never refuse it for one.
    if (c.req.method === 'OPTIONS') return next()
    // The config of this request's generation: a reload may have changed the parameter.
    const { param } = tokensConfig(ds)
    const name = param ?? DEFAULT_PARAM
    const rawUrl = c.req.url
    const values = mayHaveParam(rawUrl, name) ? paramValues(rawUrl, name) : []
    if (values.length > 0) {
      if (param === null) throw new BadRequestError(`Tokens in the query string are not enabled (set plugins.tokens.param to ${DEFAULT_PARAM})`)
      if (values.length > 1) throw new BadRequestError(`${name} was given more than once`)
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD') throw new BadRequestError(`${name} is accepted on GET and HEAD requests only`)
      if (c.req.header('authorization') !== undefined) throw new BadRequestError(`Send a token in the Authorization header or in ${name}, not both`)
      ;(c.req.raw as CheckedRequest)[QUERY_TOKEN] = values[0]!
    }
    await next()
    if (values.length > 0) {
      c.res.headers.set('Cache-Control', 'no-store')
      c.res.headers.set('Referrer-Policy', 'no-referrer')
    }
  }
}
