import type { Context } from 'hono'
import type { Dataserve } from './dataserve.ts'

/** Parameters to replace (null removes), or a function that edits the parsed query. */
export type QueryChanges = Readonly<Record<string, string | null>> | ((params: URLSearchParams) => void)

/**
 * URLs that dataserve writes into responses (next_url, Link, redirects): built from the
 * request's own path and query, on the configured `public_url` when there is one, else on
 * the Host the request came in with (the server rejects a request with two Host headers and
 * never takes the host of an absolute-form request line), and never carrying a credential
 * parameter (`_auth_token` and whatever the token plugins registered in
 * `ds.credentialParams`).
 *
 * @example
 * // In a route: the same page with `_next` replaced, without the caller's ?_auth_token=.
 * const nextUrl = urlFor(c, { _next: token })
 * // Add one more `_facet=state`, keeping the others.
 * const toggle = urlFor(c, (params) => params.append('_facet', 'state'))
 */
export function urlFor(c: Context, changes: QueryChanges = {}, path?: string): string {
  const ds = c.get('ds') as Dataserve
  const url = c.req.url
  const q = url.indexOf('?')
  const withoutQuery = q === -1 ? url : url.slice(0, q)
  const pathStart = withoutQuery.indexOf('/', withoutQuery.indexOf('//') + 2)
  let origin = pathStart === -1 ? withoutQuery : withoutQuery.slice(0, pathStart)
  // Checked at startup: an http(s) origin with no trailing slash.
  if (ds.settings.public_url !== '') origin = ds.settings.public_url
  else if (ds.settings.force_https_urls && origin.startsWith('http:')) origin = 'https:' + origin.slice(5)
  return origin + (path ?? (pathStart === -1 ? '/' : withoutQuery.slice(pathStart))) + withoutCredentials(ds, q === -1 ? '' : url.slice(q + 1), changes)
}

/** As urlFor(), without scheme and host: `/db/table.json?…` (Datasette writes some links so). */
export function pathFor(c: Context, changes: QueryChanges = {}, path?: string): string {
  const full = urlFor(c, changes, path)
  return full.slice(full.indexOf('/', full.indexOf('//') + 2))
}

/**
 * `?query` (or '') with `changes` applied and every credential parameter removed. String
 * work on the query @hono/node-server has normalised, rather than a URL object: this runs on
 * every table page.
 */
function withoutCredentials(ds: Dataserve, search: string, changes: QueryChanges): string {
  // A credential name may hide percent-encoded, hence the '%' test.
  let credentials = search.includes('%')
  for (const name of ds.credentialParams) if (!credentials && search.includes(name)) credentials = true
  const edit = typeof changes === 'function'
  const names = edit ? [] : Object.keys(changes)
  if (edit || names.length > 0 || credentials) {
    const params = new URLSearchParams(search)
    for (const name of ds.credentialParams) params.delete(name)
    if (typeof changes === 'function') changes(params)
    else {
      for (const name of names) {
        const value = changes[name]!
        if (value === null) params.delete(name)
        else params.set(name, value)
      }
    }
    // A function may have added one back: the rule holds whatever it did.
    for (const name of ds.credentialParams) params.delete(name)
    search = params.toString()
  }
  return search ? `?${search}` : ''
}
