import type { IncomingMessage, ServerResponse } from 'node:http'
import { errorBody } from './errors.ts'

/** A Host header: a DNS name or IPv4 address, or an IPv6 literal in brackets, and a port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

/**
 * Checks a request before Hono sees it, for what the URL of the request is built from:
 * - two Host headers are ambiguous (Node keeps the first; a proxy may have routed on the
 *   other): 400;
 * - a Host that is not a host name (`evil.example/x`, `a@b`) is refused: 400;
 * - an absolute-form request line (`GET http://evil.example/x HTTP/1.1`) keeps its path and
 *   query only, so the host of the URLs dataserve writes comes from the Host header (or the
 *   `public_url` setting), never from the request line.
 * Returns false when it has answered the request itself.
 */
export function guardRequest(req: IncomingMessage, res: ServerResponse): boolean {
  const raw = req.rawHeaders
  let hosts = 0
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts++
  }
  if (hosts > 1) return refuse(res, 'More than one Host header')
  const host = req.headers.host
  if (host !== undefined && !HOST.test(host)) return refuse(res, 'Invalid Host header')
  const target = req.url ?? '/'
  if (target[0] !== '/' && target !== '*') {
    let url: URL
    try {
      url = new URL(target)
    } catch {
      return refuse(res, 'Invalid request target')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse(res, 'Invalid request target')
    req.url = url.pathname + url.search
  }
  return true
}

function refuse(res: ServerResponse, message: string): false {
  res.writeHead(400, { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close' })
  res.end(JSON.stringify(errorBody(400, message)))
  return false
}
