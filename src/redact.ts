/** Query parameters whose values never reach a log line. */
const SECRET_PARAM = /token|secret|password|passwd|api[_-]?key|signature/i

/**
 * The path and query of `url` with secret-looking parameter values (`_auth_token`,
 * `api_key`, …) replaced by `***`, ready for a log line.
 */
export function redactUrl(url: string): string {
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
      return SECRET_PARAM.test(name) && eq !== -1 ? `${rawName}=***` : pair
    })
  return `${pathAndQuery.slice(0, q)}?${parts.join('&')}`
}
