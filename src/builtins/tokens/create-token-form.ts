import type { Dataserve } from '../../dataserve.ts'
import type { Actor } from '../../types.ts'

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/** The /-/create-token page: expiry and restriction choices, posted back as a form. */
export function createTokenForm(ds: Dataserve, actor: Actor): string {
  const actions = [...ds.actions.values()]
  const checkbox = (name: string, label: string) => `<label><input type="checkbox" name="${escape(name)}"> ${escape(label)}</label>`
  const all = actions.map((a) => checkbox(`all:${a.name}`, a.name)).join('\n')
  const perDatabase = [...ds.databases.keys()]
    .map((db) => `<fieldset><legend>${escape(db)}</legend>${actions.filter((a) => a.resourceKind !== 'instance').map((a) => checkbox(`database:${db}:${a.name}`, a.name)).join('\n')}</fieldset>`)
    .join('\n')
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Create an API token</title></head>
<body>
<h1>Create an API token for ${escape(actor.id)}</h1>
<form method="post" action="/-/create-token">
<p>Expires
<select name="expire_type"><option value="never">never</option><option value="minutes">minutes</option><option value="hours" selected>hours</option><option value="days">days</option></select>
<input name="expire_duration" type="number" min="1" value="1"></p>
<p>Restrict the token to (nothing ticked: everything you may do):</p>
<fieldset><legend>Everywhere</legend>${all}</fieldset>
${perDatabase}
<p><button type="submit">Create token</button></p>
</form>
<p>The token is shown once. It can do at most what you can do.</p>
</body></html>`
}
