import { randomBytes } from 'node:crypto'
import { deleteCookie, setCookie } from 'hono/cookie'
import { ForbiddenError, VERSION, definePlugin, errorBody, sha256, type Actor, type Dataserve } from '../../plugin-api.ts'

const COOKIE = 'ds_actor'
const NAMESPACE = 'actor'
/** The `ds.shared` key of the one-time root login token (its digest: the token is never kept). */
const LOGIN_KEY = 'actor-cookie.root-login'
const digest = (token: string) => sha256(token).toString('hex')

/**
 * Datasette's signed `ds_actor` cookie: `sign({"a": actor}, "actor")`, optionally with an
 * expiry `e` (seconds since the epoch, base 62), so a cookie set by Datasette with the same
 * secret works here. Under `--root`, a one-time login URL (`/-/auth-token?token=…`) sets it
 * for `{"id": "root"}`.
 */
export default definePlugin({
  name: 'dataserve.actor-cookie',
  version: VERSION,
  hooks: {
    actorFromRequest: ({ ds, request }) => {
      const cookie = cookieValue(request.headers.get('cookie'), COOKIE)
      return cookie ? actorFromCookie(ds, cookie) : null
    },
    listening: async ({ ds, url }) => {
      if (!ds.settings.root_enabled) return
      const token = randomBytes(32).toString('hex')
      // Once per server: under --workers only the first process to claim it prints a link,
      // and a process restarted later prints none.
      if (await ds.shared.claim(LOGIN_KEY, digest(token))) process.stdout.write(`dataserve: log in as root (once) at ${url}-/auth-token?token=${token}\n`)
    },
    registerRoutes: ({ ds }) => [
      {
        method: 'GET',
        path: '/-/auth-token',
        handler: async (c) => {
          // True once, across every process (compared in constant time by ds.shared).
          if (!(await ds.shared.consume(LOGIN_KEY, digest(c.req.query('token') ?? '')))) throw new ForbiddenError('Invalid or already used token')
          setCookie(c, COOKIE, ds.sign({ a: { id: 'root' } }, NAMESPACE), { path: '/', httpOnly: true, sameSite: 'Lax' })
          return c.redirect('/', 302)
        },
      },
      {
        method: 'GET',
        path: '/-/logout',
        // Logging out changes state, so it is a POST (a link or an image on another site could GET it).
        handler: (c) => c.json(errorBody(405, 'Log out with POST /-/logout'), 405, { Allow: 'POST' }),
      },
      {
        method: 'POST',
        path: '/-/logout',
        handler: (c) => {
          deleteCookie(c, COOKIE, { path: '/' })
          // The page's log-out button is a form: send the browser home; API clients get JSON.
          if ((c.req.header('accept') ?? '').includes('text/html')) return c.redirect('/', 303)
          return c.json({ ok: true })
        },
      },
    ],
  },
})

function actorFromCookie(ds: Dataserve, value: string): Actor | null {
  let decoded: unknown
  try {
    decoded = ds.unsign(value, NAMESPACE)
  } catch {
    // A stale or foreign cookie: browsers keep those around; treat as no cookie.
    return null
  }
  const { a, e } = (decoded ?? {}) as { a?: unknown; e?: unknown }
  if (typeof a !== 'object' || a === null || typeof (a as Actor).id !== 'string') return null
  if (typeof e === 'string' && fromBase62(e) * 1000 < Date.now()) return null
  return a as Actor
}

function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
      try {
        return decodeURIComponent(raw)
      } catch {
        return raw
      }
    }
  }
  return undefined
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

function fromBase62(text: string): number {
  let n = 0
  for (const ch of text) n = n * 62 + BASE62.indexOf(ch)
  return n
}

