import type { Context } from 'hono'
import { escapeHtml, type Actor, type DataserveEnv } from '../../plugin-api.ts'
import { csrfToken } from './create-token-form.ts'
import type { ManagedToken } from './managed-schema.ts'

type Ctx = Context<DataserveEnv>

/** Whether the request is a browser's (a form it posted, a link it followed): it gets pages, not JSON. */
export const wantsPage = (c: Ctx) => (c.req.header('accept') ?? '').includes('text/html')

/** Form bodies a page on another site can post without asking (CORS lets through only these). */
export const isFormPost = (c: Ctx) => /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i.test(c.req.header('content-type') ?? '')

/**
 * A tokens page in the pages' layout, through `renderHtml` (the html plugin draws the
 * layout); without a plugin drawing pages, a bare document.
 */
export async function tokenPage(c: Ctx, title: string, html: string, status = 200): Promise<Response> {
  const ds = c.get('ds')
  const crumbs = [{ label: 'tokens', href: '/-/tokens' }]
  const drawn = await ds.plugins.hook.renderHtml({ ds, request: c.req.raw, actor: c.get('actor') ?? null, page: { view: 'page', title, crumbs, html, status } })
  if (drawn) return drawn
  return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${html}</body></html>`, status as 200)
}

/** The new token, once: it is not stored anywhere it could be shown again. */
export function tokenShownOnce(token: string, what: string): string {
  return `<h1>Your new ${escapeHtml(what)}</h1>
<p>Copy it now: it is shown only this once.</p>
<p><label for="new-token">Token</label><br><input id="new-token" class="token" readonly size="80" value="${escapeHtml(token)}"></p>
<p><a href="/-/tokens">Back to your tokens</a></p>`
}

const when = (seconds: number | null) => (seconds === null ? '—' : new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC')

/** GET /-/tokens for a browser: the actor's managed tokens (everyone's with view-all), a revoke button on each, and a form for a new one. */
export function tokenListHtml(c: Ctx, actor: Actor, tokens: ManagedToken[], options: { canCreate: boolean; viewAll: boolean; total: number }): string {
  const csrf = escapeHtml(csrfToken(c.get('ds'), actor))
  const rows = tokens
    .map(
      (token) => `<tr><td><code>${escapeHtml(token.id)}</code></td>${options.viewAll ? `<td>${escapeHtml(token.actor_id)}</td>` : ''}<td>${escapeHtml(token.description ?? '')}</td><td>${escapeHtml(token.status)}</td><td>${when(token.created_at)}</td><td>${when(token.last_used_at)}</td><td>${when(token.expires_at)}</td><td>${
        token.status === 'active'
          ? `<form method="post" action="/-/tokens/${escapeHtml(token.id)}/revoke"><input type="hidden" name="csrftoken" value="${csrf}"><button type="submit" aria-label="Revoke token ${escapeHtml(token.id)}">Revoke</button></form>`
          : ''
      }</td></tr>`,
    )
    .join('')
  const create = options.canCreate
    ? `<h2>New managed token</h2>
<form method="post" action="/-/tokens" aria-label="Create a managed token">
<input type="hidden" name="csrftoken" value="${csrf}">
<p><label for="description">Description</label><br><input id="description" name="description" size="40"></p>
<p><label for="expires_hours">Expires after (hours, empty: never)</label><br><input id="expires_hours" name="expires_hours" type="number" min="1" value="24"></p>
<p><button type="submit">Create token</button></p>
</form>`
    : ''
  return `<h1>Managed tokens</h1>
<p class="meta">${options.total} token${options.total === 1 ? '' : 's'}${options.viewAll ? ' (everyone’s)' : ''}. A signed token instead: <a href="/-/create-token">create one</a>.</p>
${
  tokens.length === 0
    ? '<p class="meta">No tokens yet.</p>'
    : `<div class="table-wrap"><table class="rows"><thead><tr><th scope="col">ID</th>${options.viewAll ? '<th scope="col">Actor</th>' : ''}<th scope="col">Description</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table></div>`
}
${create}`
}
