import type { Context } from 'hono'
import type { ManagedToken, TokenStatus } from './managed-schema.ts'
import type { ManagedTokenService } from './managed-service.ts'
import { csrfTokenValid } from './create-token-form.ts'
import { isFormPost, tokenListHtml, tokenPage, tokenShownOnce, wantsPage } from './pages.ts'
import { BadRequestError, ForbiddenError, NotFoundError, jsonObjectBody, optionalSeconds, pageParams, type Actor, type Dataserve, type DataserveEnv, type Route, type TokenRestrictions } from '../../plugin-api.ts'

type Ctx = Context<DataserveEnv>

/**
 * The managed-token JSON API. Creating needs `auth-tokens-create`; an owner can always
 * list, view and revoke their own tokens; `auth-tokens-view-all` and
 * `auth-tokens-revoke-all` reach everyone's. Tokens cannot manage tokens.
 */
export function managedTokenRoutes(storeOf: (ds: Dataserve) => ManagedTokenService, restrictionsFrom: (ds: Dataserve, value: unknown) => TokenRestrictions): Route[] {
  return [
    {
      method: 'POST',
      path: '/-/tokens',
      handler: async (c) => {
        const ds = c.get('ds')
        const actor = human(c)
        await ds.ensureAllowed({ actor, action: 'auth-tokens-create' }, 'You do not have permission to create tokens')
        if (isFormPost(c)) return createFromForm(c, actor)
        const body = await jsonObjectBody(c)
        const expiresAfter = optionalSeconds(body.expires_after)
        if (body.description !== undefined && typeof body.description !== 'string') throw new BadRequestError('description must be a string')
        const restrictions = restrictionsFrom(ds, body.restrictions)
        const abbreviated = restrictions.abbreviated(ds)
        const { token, record } = await storeOf(ds).create(actor.id, {
          description: body.description as string | undefined,
          restrictions: abbreviated,
          expiresAfter,
        })
        return c.json({ ok: true, token, ...record }, 201)
      },
    },
    {
      method: 'GET',
      path: '/-/tokens',
      handler: async (c) => {
        const ds = c.get('ds')
        const actor = human(c)
        const viewAll = await ds.allowed({ actor, action: 'auth-tokens-view-all' })
        const { tokens, total } = await storeOf(ds).list({ actorId: viewAll ? undefined : actor.id, limit: 200, offset: 0 })
        const canCreate = await ds.allowed({ actor, action: 'auth-tokens-create' })
        return tokenPage(c, 'Managed tokens', tokenListHtml(c, actor, tokens, { canCreate, viewAll, total }))
      },
    },
    {
      method: 'GET',
      path: '/-/tokens.json',
      handler: async (c) => {
        const ds = c.get('ds')
        const actor = human(c)
        const viewAll = await ds.allowed({ actor, action: 'auth-tokens-view-all' })
        const status = c.req.query('status')
        if (status !== undefined && !['active', 'revoked', 'expired'].includes(status)) throw new BadRequestError('status must be active, revoked or expired')
        const wanted = c.req.query('actor')
        if (wanted !== undefined && wanted !== actor.id && !viewAll) throw new ForbiddenError("You do not have permission to view other actors' tokens")
        const { page, size, offset } = pageParams(c.req.query('page'), c.req.query('page_size'), { defaultSize: 50, maxSize: 200 })
        const { tokens, total } = await storeOf(ds).list({ status: status as TokenStatus | undefined, actorId: viewAll ? wanted : actor.id, limit: size, offset })
        return c.json({ ok: true, page, page_size: size, total, tokens })
      },
    },
    {
      method: 'GET',
      path: '/-/tokens/events.json',
      handler: async (c) => {
        const ds = c.get('ds')
        const actor = human(c)
        await ds.ensureAllowed({ actor, action: 'auth-tokens-view-all' }, 'You do not have permission to view the token audit trail')
        const { page, size, offset } = pageParams(c.req.query('page'), c.req.query('page_size'), { defaultSize: 100, maxSize: 500 })
        const events = await storeOf(ds).events({ tokenId: c.req.query('token_id'), limit: size, offset })
        return c.json({ ok: true, page, page_size: size, events })
      },
    },
    {
      method: 'GET',
      path: '/-/tokens/:file{[0-9a-f]{16}\\.json}',
      handler: async (c) => c.json({ ok: true, ...(await visibleToken(c, 'auth-tokens-view-all')) }),
    },
    {
      method: 'POST',
      path: '/-/tokens/:id{[0-9a-f]{16}}/revoke',
      handler: async (c) => {
        const form = isFormPost(c)
        if (form) await checkCsrf(c)
        const record = await visibleToken(c, 'auth-tokens-revoke-all')
        const revoked = await storeOf(c.get('ds')).revoke(record.id, c.get('actor')!.id)
        // The page's revoke button: back to the list, which shows it revoked.
        if (form && wantsPage(c)) return c.redirect('/-/tokens', 303)
        return c.json({ ok: true, ...revoked })
      },
    },
  ]

  /** The page's form: a description and an expiry in hours; the token is shown once. */
  async function createFromForm(c: Ctx, actor: Actor): Promise<Response> {
    const ds = c.get('ds')
    const form = await checkCsrf(c)
    const description = typeof form.description === 'string' && form.description.trim() !== '' ? form.description.trim() : undefined
    const hours = typeof form.expires_hours === 'string' && form.expires_hours.trim() !== '' ? Number(form.expires_hours) : undefined
    if (hours !== undefined && (!Number.isInteger(hours) || hours < 1)) throw new BadRequestError('expires_hours must be a whole number of hours')
    const { token, record } = await storeOf(ds).create(actor.id, { description, restrictions: null, expiresAfter: hours === undefined ? undefined : hours * 3600 })
    if (wantsPage(c)) return tokenPage(c, 'Your new token', tokenShownOnce(token, 'managed token'), 201)
    return c.json({ ok: true, token, ...record }, 201)
  }

  async function visibleToken(c: Ctx, otherAction: string): Promise<ManagedToken> {
    const ds = c.get('ds')
    const actor = human(c)
    const id = (c.req.param('id') ?? c.req.param('file'))!.slice(0, 16)
    const record = await storeOf(ds).get(id)
    // Someone else's token looks the same as a missing one unless you may see it.
    if (!record || (record.actor_id !== actor.id && !(await ds.allowed({ actor, action: otherAction })))) throw new NotFoundError('Token not found')
    return record
  }
}

/** A form post (which another site's page can make) must carry the CSRF token of a page we gave this actor. */
async function checkCsrf(c: Ctx): Promise<Record<string, unknown>> {
  const actor = human(c)
  const form = (await c.req.parseBody()) as Record<string, unknown>
  if (!csrfTokenValid(c.get('ds'), actor, typeof form.csrftoken === 'string' ? form.csrftoken : undefined)) {
    throw new ForbiddenError('Missing or expired CSRF token: reload the page and submit the form again')
  }
  return form
}

function human(c: Ctx): Actor {
  const actor = c.get('actor')
  if (!actor) throw new ForbiddenError('You must be logged in to manage tokens')
  if (actor.token !== undefined) throw new ForbiddenError('Tokens cannot manage tokens')
  return actor
}
