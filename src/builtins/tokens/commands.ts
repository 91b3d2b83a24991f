import { existsSync } from 'node:fs'
import { configuredSecrets, prepareInternalDatabase, TokenRestrictions, UsageError, type Command, type CommandContext, type ServeOptions } from '../../plugin-api.ts'
import { ManagedTokenStore } from './managed-store.ts'

/** The tokens plugin's commands: Datasette's `create-token`, and `tokens create|list|revoke` for managed tokens. */
export function tokenCommands(): Command[] {
  return [
    {
      name: 'create-token',
      usage: `dataserve create-token ACTOR [--expires-after S] [--all ACTION] [--database DB ACTION]
                       [--resource DB RESOURCE ACTION] [--secret SECRET]`,
      run: createTokenCommand,
    },
    {
      name: 'tokens',
      usage: `dataserve tokens create ACTOR --internal PATH [--create] [--expires-after S] [--all ACTION]
                       [--database DB ACTION] [--resource DB RESOURCE ACTION] [--description TEXT]
dataserve tokens list --internal PATH [--status active|revoked|expired] [--actor ID]
dataserve tokens revoke ID --internal PATH
  (the internal database must exist: --create starts a new one)`,
      run: tokensCommand,
    },
  ]
}

interface TokenArgs {
  positional: string | undefined
  expiresAfter: number | undefined
  restrictions: TokenRestrictions
  options: ServeOptions
  /** Values of the command's own flags (`--secret`, `--internal`, …), by flag. */
  flags: Map<string, string>
}

/**
 * The options `create-token` and `tokens create|list|revoke` share: Datasette's -e, -a,
 * -d, -r, plus -c and --plugins-dir, and the command's own single-value `flags`.
 */
function parseTokenArgs(argv: readonly string[], ownFlags: readonly string[]): TokenArgs {
  const args = [...argv]
  const value = (flag: string) => {
    const next = args.shift()
    if (next === undefined) throw new UsageError(`${flag} needs a value`)
    return next
  }
  const parsed: TokenArgs = { positional: undefined, expiresAfter: undefined, restrictions: new TokenRestrictions(), options: { notice: () => {} }, flags: new Map() }
  while (args.length > 0) {
    const arg = args.shift()!
    if (ownFlags.includes(arg)) {
      parsed.flags.set(arg, value(arg))
      continue
    }
    switch (arg) {
      case '-e':
      case '--expires-after': {
        const text = value(arg)
        if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`${arg}: not a positive number of seconds: ${text}`)
        parsed.expiresAfter = Number(text)
        break
      }
      case '-a':
      case '--all':
        parsed.restrictions.allowAll(value(arg))
        break
      case '-d':
      case '--database':
        parsed.restrictions.allowDatabase(value(arg), value(arg))
        break
      case '-r':
      case '--resource':
        parsed.restrictions.allowResource(value(arg), value(arg), value(arg))
        break
      case '-c':
      case '--config':
        parsed.options.configFile = value(arg)
        break
      case '--plugins-dir':
        parsed.options.pluginsDir = value(arg)
        break
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`)
        if (parsed.positional !== undefined) throw new UsageError(`unexpected argument ${arg}`)
        parsed.positional = arg
    }
  }
  return parsed
}

/**
 * `dataserve create-token ACTOR`: a Datasette-compatible signed token, with Datasette's
 * options. Needs the server's secret, or the token would be useless.
 */
async function createTokenCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const { positional: actor, expiresAfter, restrictions, options, flags } = parseTokenArgs(argv, ['--secret'])
  if (!actor) throw new UsageError('create-token needs an actor id')
  const secret = configuredSecrets(flags.get('--secret'), process.env)
  if (!secret) throw new Error('create-token needs the server secret: --secret, DATASERVE_SECRETS, DATASERVE_SECRET or DATASETTE_SECRET')
  const ds = await context.createDataserve({ ...options, secret })
  try {
    for (const name of restrictionActions(restrictions)) {
      if (!ds.resolveAction(name)) context.warn(`dataserve: warning: unknown action ${name}`)
    }
    context.print(await ds.createToken(actor, { handler: 'signed', expiresAfter, restrictions: restrictions.isEmpty() ? undefined : restrictions }))
    return 0
  } finally {
    await ds.close()
  }
}

/** `dataserve tokens create|list|revoke`: managed tokens, straight in the internal database. */
async function tokensCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const [command, ...rest] = argv
  const create = rest.includes('--create')
  const { positional, expiresAfter, restrictions, options, flags } = parseTokenArgs(rest.filter((arg) => arg !== '--create'), ['--internal', '--description', '--status', '--actor'])
  const internal = flags.get('--internal')
  if (!internal) throw new UsageError('tokens needs --internal PATH: the internal database the server uses')
  // A misspelt path would otherwise become a new, empty database the server never reads.
  if (!create && !existsSync(internal)) throw new Error(`no internal database at ${internal}: give the path the server uses (--internal), or add --create to start a new one`)
  prepareInternalDatabase(internal)
  if (command === 'create') {
    if (!positional) throw new UsageError('tokens create needs an actor id')
    // The registered actions give the abbreviations Datasette writes in restrictions.
    const ds = await context.createDataserve({ ...options, secret: 'unused-for-managed-tokens' })
    const abbreviated = restrictions.abbreviated(ds)
    await ds.close()
    const store = new ManagedTokenStore(internal)
    try {
      const { token, record } = store.create(positional, { description: flags.get('--description'), expiresAfter, restrictions: abbreviated })
      context.warn(`dataserve: token ${record.id} for ${record.actor_id}; it is shown once:`)
      context.print(token)
      return 0
    } finally {
      store.close()
    }
  }
  const store = new ManagedTokenStore(internal)
  try {
    if (command === 'list') {
      const status = flags.get('--status')
      if (status !== undefined && !['active', 'revoked', 'expired'].includes(status)) throw new UsageError('--status must be active, revoked or expired')
      const { tokens } = store.list({ status: status as 'active' | undefined, actorId: flags.get('--actor'), limit: 1_000_000, offset: 0 })
      context.print(JSON.stringify(tokens, null, 2))
      return 0
    }
    if (command === 'revoke') {
      if (!positional) throw new UsageError('tokens revoke needs a token id')
      const record = store.revoke(positional, null)
      if (!record) throw new Error(`no token with id ${positional}`)
      context.print(JSON.stringify(record, null, 2))
      return 0
    }
    throw new UsageError(`unknown tokens command ${command ?? ''}: use create, list or revoke`)
  } finally {
    store.close()
  }
}

function restrictionActions(restrictions: TokenRestrictions): string[] {
  const json = restrictions.toJSON()
  return [...(json.a ?? []), ...Object.values(json.d ?? {}).flat(), ...Object.values(json.r ?? {}).flatMap((byResource) => Object.values(byResource).flat())]
}
