import type { Settings } from '../config/settings.ts'
import { TrustedProxies } from './client-address.ts'

const PEER = Symbol('dataserve.peer')
const CLIENT = Symbol('dataserve.client')
type Marked = Request & { [PEER]?: string; [CLIENT]?: string }

const proxiesBySettings = new WeakMap<Settings, TrustedProxies>()

/** Remembers the socket address a request came from (the app does, before anything else). */
export function markPeer(request: Request, peer: string | undefined): void {
  ;(request as Marked)[PEER] = peer ?? 'unknown'
}

/**
 * The client a request is from: its socket's address, or, when that is one of
 * `settings.trusted_proxies`, the address the proxies forwarded. Worked out once per request.
 */
export function clientOfRequest(request: Request, settings: Settings): string {
  const marked = request as Marked
  if (marked[CLIENT] !== undefined) return marked[CLIENT]
  let proxies = proxiesBySettings.get(settings)
  if (!proxies) proxiesBySettings.set(settings, (proxies = new TrustedProxies(settings.trusted_proxies)))
  const client = proxies.clientOf(marked[PEER] ?? 'unknown', request.headers.get('forwarded'), request.headers.get('x-forwarded-for'))
  marked[CLIENT] = client
  return client
}
