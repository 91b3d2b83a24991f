/**
 * Headers of every page: no script at all (so an injected `<script>` could not run even if
 * it got through escaping), styles from this server only, forms posting back here only,
 * never framed (signed embed links will open exactly that, for their own pages).
 */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
}
const DEFAULT_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

/** The policy of a page: scripts only when plugins asked for some (`extraJsUrls`), and only from where those come. */
export function contentSecurityPolicy(styleSources: readonly string[], scriptSources: readonly string[]): string {
  if (styleSources.length <= 1 && scriptSources.length === 0) return DEFAULT_CSP
  const styles = ["'self'", ...styleSources.filter((source) => source !== "'self'")].join(' ')
  const scripts = scriptSources.length > 0 ? `; script-src ${scriptSources.join(' ')}` : ''
  return `default-src 'none'; style-src ${styles}${scripts}; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`
}

export function pageResponse(html: string, status: number, csp: string): Response {
  // Bytes, not a string: the page is encoded once (a string body is measured, then encoded again).
  return new Response(Buffer.from('<!doctype html>' + html), { status, headers: { ...PAGE_HEADERS, 'Content-Security-Policy': csp } })
}

/**
 * Whether a failed request was a browser's, so that its error is a page: it asked for HTML
 * first-hand (`Accept: text/html`, as navigation does) and not for a `.json`/`.csv` URL,
 * whose errors stay JSON whoever asks.
 */
export function wantsHtml(request: Request): boolean {
  const accept = request.headers.get('accept')
  if (accept === null || !accept.includes('text/html')) return false
  const url = request.url
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  return !/\.(json|csv|md)$/.test(path)
}

/** Whether the request carries the actor cookie (Datasette shows log-out just then). */
export function hasActorCookie(request: Request): boolean {
  return /(?:^|;\s*)ds_actor=/.test(request.headers.get('cookie') ?? '')
}
