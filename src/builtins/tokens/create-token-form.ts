import type { Actor, Dataserve } from '../../plugin-api.ts'

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

const CSRF_NAMESPACE = 'create-token-csrf'
/** How long a form may sit open before its CSRF token runs out. */
const CSRF_MAX_AGE_SECONDS = 3600

/** The form's CSRF token: the actor and the time, signed with the server secret. */
export function csrfToken(ds: Dataserve, actor: Actor, nowSeconds = Math.floor(Date.now() / 1000)): string {
  return ds.sign({ a: actor.id, t: nowSeconds }, CSRF_NAMESPACE)
}

/**
 * Whether a posted form's CSRF token was made for this actor within the hour: a page on
 * another site can post a form to us, but cannot read ours to learn the token.
 */
export function csrfTokenValid(ds: Dataserve, actor: Actor, token: string | undefined, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  if (!token) return false
  let payload: unknown
  try {
    payload = ds.unsign(token, CSRF_NAMESPACE)
  } catch {
    return false
  }
  const { a, t } = (payload ?? {}) as { a?: unknown; t?: unknown }
  return a === actor.id && typeof t === 'number' && t <= nowSeconds && nowSeconds - t <= CSRF_MAX_AGE_SECONDS
}

/** The /-/create-token page's content: expiry and restriction choices, posted back as a form. */
export function createTokenForm(ds: Dataserve, actor: Actor): string {
  const actions = [...ds.actions.values()]
  const checkbox = (name: string, label: string) => `<label><input type="checkbox" name="${escape(name)}"> ${escape(label)}</label>`
  const all = actions.map((a) => checkbox(`all:${a.name}`, a.name)).join('\n')
  const perDatabase = [...ds.databases.keys()]
    .map((db) => `<fieldset><legend>${escape(db)}</legend>${actions.filter((a) => a.resourceKind !== 'instance').map((a) => checkbox(`database:${db}:${a.name}`, a.name)).join('\n')}</fieldset>`)
    .join('\n')
  return `<h1>Create an API token for ${escape(actor.id)}</h1>
<form method="post" action="/-/create-token">
<input type="hidden" name="csrftoken" value="${escape(csrfToken(ds, actor))}">
<p><label for="expire_type">Expires</label>
<select id="expire_type" name="expire_type"><option value="never">never</option><option value="minutes">minutes</option><option value="hours" selected>hours</option><option value="days">days</option></select>
<label class="visually-hidden" for="expire_duration">Duration</label><input id="expire_duration" name="expire_duration" type="number" min="1" value="1"></p>
<p>Restrict the token to (nothing ticked: everything you may do):</p>
<fieldset><legend>Everywhere</legend>${all}</fieldset>
${perDatabase}
<p><button type="submit">Create token</button></p>
</form>
<p>The token is shown once. It can do at most what you can do.</p>`
}
