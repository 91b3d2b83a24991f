/** Query parameters whose values never reach a log line. */
const SECRET_PARAM = /token|secret|password|passwd|api[_-]?key|signature/i
const NONE: ReadonlySet<string> = new Set()

/**
 * The path and query of `url` with the values of credential parameters (every name in
 * `credentialParams`: `_auth_token` and whatever token plugins registered, like `_k`) and of
 * secret-looking ones (`api_key`, `password`, …) replaced by `***`, ready for a log line.
 */
export function redactUrl(url: string, credentialParams: ReadonlySet<string> = NONE): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  const pathAndQuery = start === -1 ? '/' : url.slice(start)
  const q = pathAndQuery.indexOf('?')
  if (q === -1) return pathAndQuery
  const parts = pathAndQuery
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const rawName = eq === -1 ? pair : pair.slice(0, eq)
      let name = rawName
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '))
      } catch {
        // undecodable: judge by the raw name
      }
      return eq !== -1 && (credentialParams.has(name) || SECRET_PARAM.test(name)) ? `${rawName}=***` : pair
    })
  return `${pathAndQuery.slice(0, q)}?${parts.join('&')}`
}
