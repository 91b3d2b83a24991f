import type { Context } from 'hono'
import { BadRequestError, ForbiddenError, jsonObjectBody, optionalSeconds, TokenRestrictions, type Actor, type Dataserve, type DataserveEnv } from '../../plugin-api.ts'
import { createTokenForm, csrfTokenValid } from './create-token-form.ts'
import { tokenPage, tokenShownOnce, wantsPage } from './pages.ts'

/** `/-/create-token`: Datasette's page and JSON API for signed tokens, for a signed-in actor. */

function requireHumanActor(actor: Actor | null): Actor {
  if (!actor) throw new ForbiddenError('You must be logged in to create a token')
  if (actor.token !== undefined) throw new ForbiddenError('Tokens cannot create tokens')
  return actor
}

export async function createTokenPage(c: Context<DataserveEnv>) {
  const actor = requireHumanActor(c.get('actor'))
  return tokenPage(c, 'Create an API token', createTokenForm(c.get('ds'), actor))
}

/**
 * POST /-/create-token: JSON `{"expires_after": seconds, "restrictions": {"a": […], "d":
 * {db: […]}, "r": {db: {table: […]}}}, "handler": "signed"}`, or the HTML form's fields.
 */
export async function createTokenPost(c: Context<DataserveEnv>) {
  const ds = c.get('ds')
  const actor = requireHumanActor(c.get('actor'))
  const type = c.req.header('content-type') ?? ''
  let expiresAfter: number | undefined
  let restrictions = new TokenRestrictions()
  // Datasette's view asks for handler="signed" too: the first handler is whichever plugin
  // registered last, and a plugin's token may not honour the expiry or restrictions asked for.
  let handler = 'signed'
  if (type.includes('application/json')) {
    const body = await jsonObjectBody(c)
    expiresAfter = optionalSeconds(body.expires_after)
    restrictions = restrictionsFromJson(ds, body.restrictions)
    if (body.handler !== undefined && typeof body.handler !== 'string') throw new BadRequestError('handler must be a string')
    if (typeof body.handler === 'string') handler = body.handler
  } else {
    const form = await c.req.parseBody({ all: true })
    const field = (name: string) => (Array.isArray(form[name]) ? String((form[name] as unknown[])[0]) : form[name] === undefined ? undefined : String(form[name]))
    // A form (unlike a JSON body) can be posted by a page on another site: it must carry
    // the CSRF token of a form this server gave this actor.
    if (!csrfTokenValid(ds, actor, field('csrftoken'))) throw new ForbiddenError('Missing or expired CSRF token: reload /-/create-token and submit the form again')
    expiresAfter = field('expire_type') === 'never' || !field('expire_duration') ? undefined : optionalSeconds(Number(field('expire_duration')) * unitSeconds(field('expire_type')))
    for (const key of Object.keys(form)) {
      const [kind, ...parts] = key.split(':')
      if (kind === 'all' && parts.length === 1) restrictions.allowAll(checkedAction(ds, parts[0]!))
      else if (kind === 'database' && parts.length === 2) restrictions.allowDatabase(parts[0]!, checkedAction(ds, parts[1]!))
      else if (kind === 'resource' && parts.length === 3) restrictions.allowResource(parts[0]!, parts[1]!, checkedAction(ds, parts[2]!))
    }
  }
  let token: string
  try {
    token = await ds.createToken(actor.id, { expiresAfter, restrictions: restrictions.isEmpty() ? undefined : restrictions, handler })
  } catch (error) {
    throw new BadRequestError((error as Error).message)
  }
  if (!type.includes('application/json') && wantsPage(c)) return tokenPage(c, 'Your new token', tokenShownOnce(token, 'API token'))
  return c.json({ ok: true, token, actor_id: actor.id, expires_after: expiresAfter ?? null, restrictions: restrictions.toJSON() })
}

const UNIT_SECONDS = new Map([['minutes', 60], ['hours', 3600], ['days', 86400]])

function unitSeconds(unit: string | undefined): number {
  return UNIT_SECONDS.get(unit ?? '') ?? 1
}

function checkedAction(ds: Dataserve, name: string): string {
  const action = ds.resolveAction(name)
  if (!action) throw new BadRequestError(`Unknown action: ${name}`)
  return action.name
}

/** Datasette's `_r` shape from a request, checked, as TokenRestrictions. */
export function restrictionsFromJson(ds: Dataserve, value: unknown): TokenRestrictions {
  const restrictions = new TokenRestrictions()
  if (value === undefined || value === null) return restrictions
  const bad = () => new BadRequestError('restrictions must look like {"a": [actions], "d": {db: [actions]}, "r": {db: {table: [actions]}}}')
  if (typeof value !== 'object' || Array.isArray(value)) throw bad()
  const { a, d, r, ...rest } = value as Record<string, unknown>
  if (Object.keys(rest).length > 0) throw bad()
  const list = (v: unknown) => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad()
    return v as string[]
  }
  const map = (v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad()
    return v as Record<string, unknown>
  }
  if (a !== undefined) for (const action of list(a)) restrictions.allowAll(checkedAction(ds, action))
  if (d !== undefined) for (const [db, actions] of Object.entries(map(d))) for (const action of list(actions)) restrictions.allowDatabase(db, checkedAction(ds, action))
  if (r !== undefined) {
    for (const [db, resources] of Object.entries(map(r))) {
      for (const [resource, actions] of Object.entries(map(resources))) for (const action of list(actions)) restrictions.allowResource(db, resource, checkedAction(ds, action))
    }
  }
  return restrictions
}
