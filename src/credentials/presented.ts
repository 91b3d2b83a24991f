/**
 * The credentials a request presents: `authorization`, any registered credential header
 * (`x-api-key`) and any credential query parameter (`_auth_token`). Cookies are not in it:
 * a browser sends its session cookie with everything.
 */
export function presentedCredentials(request: Request, headers: ReadonlySet<string>, params: ReadonlySet<string>): string[] {
  const found: string[] = []
  if (request.headers.has('authorization')) found.push('authorization')
  for (const name of headers) if (request.headers.has(name)) found.push(name)
  if (params.size > 0) {
    const url = request.url
    const q = url.indexOf('?')
    if (q !== -1) {
      const query = url.slice(q + 1)
      // Decode only when a name (or an escape that could hide one) is in the query at all.
      let search: URLSearchParams | undefined
      for (const name of params) {
        if (!query.includes(name) && !query.includes('%')) continue
        search ??= new URLSearchParams(query)
        if (search.has(name)) found.push(name)
      }
    }
  }
  return found
}
