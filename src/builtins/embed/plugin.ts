import { ForbiddenError, TokenInvalidError, UsageError, VERSION, definePlugin, jsonObjectBody, optionalSeconds, urlFor, type Command, type Dataserve, type DataserveConfig } from '../../plugin-api.ts'
import { parseEmbedConfig, type EmbedConfig } from './config.ts'
import { queryProblem } from './grant-check.ts'
import { signEmbed, verifyEmbed, type EmbedGrant } from './token.ts'

const PARAM = '_embed'
const PURPOSE = 'embed'
const configs = new WeakMap<DataserveConfig, EmbedConfig>()
/** Requests that came with a valid embed link: their page may be framed by the allowed origins. */
const embedded = new WeakSet<Request>()

function configOf(ds: Dataserve): EmbedConfig {
  let config = configs.get(ds.config)
  if (!config) configs.set(ds.config, (config = parseEmbedConfig(ds)))
  return config
}

/** A grant for `target` (a path with its query: every parameter in it is locked), checked against the config. */
export function grantFor(ds: Dataserve, target: string, actor: string | null, expiresAfter: number | undefined, now = Math.floor(Date.now() / 1000)): EmbedGrant {
  const config = configOf(ds)
  if (!target.startsWith('/') || target.startsWith('//')) throw new UsageError('the page must be a path like /sales/orders?category=beta')
  const url = new URL(target, 'http://embed.invalid')
  if (url.searchParams.has(PARAM)) throw new UsageError(`the page cannot carry ${PARAM} itself`)
  if (expiresAfter === undefined && !config.allowNoExpiry) throw new UsageError('an embed link needs an expiry (--expires-after SECONDS): plugins.embed.allow_no_expiry is off')
  if (expiresAfter !== undefined && expiresAfter > config.maxExpiresSecs) throw new UsageError(`the expiry is longer than plugins.embed.max_expires_secs (${config.maxExpiresSecs})`)
  return { path: url.pathname, locked: [...url.searchParams], actor, expires: expiresAfter === undefined ? null : now + expiresAfter }
}

/**
 * Signed embed links: a page of dataserve inside an iframe on another site, which cannot
 * send credentials. The link's `_embed` token (HMAC-SHA256 under a key derived from the
 * server secret, with a key id so secrets rotate) covers the path, the locked parameters,
 * the actor it acts as (whose permissions still apply) and the expiry.
 */
export default definePlugin({
  name: 'dataserve.embed',
  version: VERSION,
  hooks: {
    registerCredentialParams: () => [PARAM],
    registerActions: () => [{ name: 'create-embed', abbr: 'ce', description: 'Create signed embed links', resourceKind: 'instance' }],
    prepareConfig: ({ ds }) => void configOf(ds),
    actorFromRequest: ({ ds, request }) => {
      const url = request.url
      if (!url.includes(PARAM)) return null
      const query = new URL(url).searchParams
      const tokens = query.getAll(PARAM)
      if (tokens.length === 0) return null
      if (tokens.length > 1) throw new TokenInvalidError(`${PARAM} was given more than once`)
      const grant = verifyEmbed(ds.hmacKeys(PURPOSE), tokens[0]!)
      if (!grant) throw new TokenInvalidError('Invalid embed link')
      if (grant.expires !== null && grant.expires * 1000 < Date.now()) throw new TokenInvalidError('This embed link has expired')
      if (request.method !== 'GET' && request.method !== 'HEAD') throw new ForbiddenError('Embed links are for reading')
      if (new URL(url).pathname !== grant.path) throw new ForbiddenError('This embed link is for another page')
      const problem = queryProblem(grant, query)
      if (problem) throw new ForbiddenError(problem)
      embedded.add(request)
      return grant.actor === null ? null : { id: grant.actor, embed: true }
    },
    // Framing: the allowed origins for embed pages, nobody for anything else.
    registerMiddleware: ({ ds }) => [
      async function embedFraming(c, next) {
        await next()
        // A valid link's page; or the refusal of a bad one (no data in it), so the frame says why.
        const refusal = c.res.status >= 400 && c.req.url.includes(`${PARAM}=`)
        if (!(embedded.has(c.req.raw) || refusal) || !(c.res.headers.get('content-type') ?? '').startsWith('text/html')) return
        const origins = configOf(ds).allowedOrigins
        if (origins.length === 0) return
        const csp = c.res.headers.get('content-security-policy')
        if (csp) c.res.headers.set('content-security-policy', csp.replace("frame-ancestors 'none'", `frame-ancestors ${origins.join(' ')}`))
        c.res.headers.delete('x-frame-options')
      },
    ],
    registerRoutes: () => [
      {
        method: 'POST',
        path: '/-/embed-links',
        handler: async (c) => {
          const ds = c.get('ds')
          const actor = c.get('actor')
          await ds.ensureAllowed({ actor, action: 'create-embed' }, 'You do not have permission to create embed links')
          const body = await jsonObjectBody(c)
          if (typeof body.path !== 'string') throw new UsageError('path is required')
          // A link acts as its creator, or as anonymous: never as someone else.
          const as = body.as_anonymous === true ? null : actor?.id === undefined ? null : String(actor.id)
          let grant: EmbedGrant
          try {
            grant = grantFor(ds, body.path, as, optionalSeconds(body.expires_after))
          } catch (error) {
            if (error instanceof UsageError) return c.json({ ok: false, error: error.message, errors: [error.message], status: 400 }, 400)
            throw error
          }
          const token = signEmbed(ds.hmacKeys(PURPOSE)[0]!, grant)
          const query = new URLSearchParams(grant.locked)
          query.append(PARAM, token)
          return c.json({ ok: true, url: urlFor(c, {}, `${grant.path}?${query}`).replace(/\?.*$/, '') + `?${query}`, expires: grant.expires, actor: grant.actor })
        },
      },
    ],
    registerCommands: () => [embedLinkCommand],
  },
})

const embedLinkCommand: Command = {
  name: 'embed-link',
  usage: `dataserve embed-link PATH [--expires-after S] [--actor ID] [--secret SECRET] [-c CONFIG] [--base URL]
  (a signed link to PATH for an iframe: its parameters are locked; without --actor it acts as anonymous)`,
  async run(argv, context) {
    const args = [...argv]
    let path: string | undefined
    let expiresAfter: number | undefined
    let actor: string | null = null
    let base = 'http://127.0.0.1:8001'
    const secrets: string[] = []
    let configFile: string | undefined
    while (args.length > 0) {
      const arg = args.shift()!
      const value = () => {
        const next = args.shift()
        if (next === undefined) throw new UsageError(`${arg} needs a value`)
        return next
      }
      if (arg === '--expires-after') expiresAfter = optionalSeconds(Number(value()))
      else if (arg === '--actor') actor = value()
      else if (arg === '--secret') secrets.push(value())
      else if (arg === '-c' || arg === '--config') configFile = value()
      else if (arg === '--base') base = value().replace(/\/$/, '')
      else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`)
      else path = arg
    }
    if (!path) throw new UsageError('embed-link needs a PATH like /sales/orders?category=beta')
    // No databases here: the config may name them (lenient), only its plugins.embed matters.
    const ds = await context.createDataserve({ configFile, overrides: [['settings.lenient', 'true']], notice: () => {}, ...(secrets.length > 0 ? { secret: secrets } : {}) })
    try {
      const grant = grantFor(ds, path, actor, expiresAfter)
      const query = new URLSearchParams(grant.locked)
      query.append(PARAM, signEmbed(ds.hmacKeys(PURPOSE)[0]!, grant))
      context.print(`${base}${grant.path}?${query}`)
    } finally {
      await ds.close()
    }
    return 0
  },
}
