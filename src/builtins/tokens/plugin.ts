import { VERSION, definePlugin } from '../../plugin-api.ts'
import { tokenCommands } from './commands.ts'
import { DEFAULT_PARAM } from './config.ts'
import { createTokenPage, createTokenPost, restrictionsFromJson } from './create-token.ts'
import { actorFromToken, tokenMiddleware } from './credentials.ts'
import { managedTokenRoutes } from './managed-api.ts'
import { managedTokenHandler } from './managed-handler.ts'
import { ManagedTokenService } from './managed-service.ts'
import { signedTokenHandler } from './signed-handler.ts'
import { stores, storeOf, tokensConfig } from './state.ts'
import { staticTokenHandler } from './static-handler.ts'

/**
 * API tokens: Datasette-compatible signed tokens (`dstok_`), managed tokens in the internal
 * database (`dsmt_`), static tokens from config, `Authorization: Bearer` and, when enabled,
 * `?_auth_token=` for clients that can only send a URL (a spreadsheet's IMPORTDATA). Its CLI commands: `create-token`, `tokens`.
 */
export default definePlugin({
  name: 'dataserve.tokens',
  version: VERSION,
  hooks: {
    registerTokenHandler: () => signedTokenHandler(),
    managedTokens: { specName: 'registerTokenHandler', tryLast: true, impl: () => managedTokenHandler() },
    // A second handler from the same plugin: pluggy's specName. Static tokens are checked
    // after the others, which can tell their tokens apart by prefix.
    staticTokens: {
      specName: 'registerTokenHandler',
      tryLast: true,
      impl: ({ ds }) => {
        const { tokens } = tokensConfig(ds)
        return tokens.length > 0 ? staticTokenHandler(tokens) : null
      },
    },
    // `_auth_token` even when query tokens are off: it is refused then, and must not be logged.
    registerCredentialParams: ({ ds }) => [...new Set([tokensConfig(ds).param ?? DEFAULT_PARAM, DEFAULT_PARAM])],
    // Checks the block at startup and before a reload is swapped in.
    prepareConfig: ({ ds }) => void tokensConfig(ds),
    actorFromRequest: actorFromToken,
    registerMiddleware: ({ ds }) => [tokenMiddleware(ds)],
    registerActions: () => [
      { name: 'auth-tokens-create', abbr: 'atc', description: 'Create managed API tokens', resourceKind: 'instance' },
      { name: 'auth-tokens-view-all', abbr: 'atv', description: "View every actor's managed tokens and the audit trail", resourceKind: 'instance' },
      { name: 'auth-tokens-revoke-all', abbr: 'atr', description: "Revoke any actor's managed tokens", resourceKind: 'instance' },
    ],
    registerRoutes: () => [
      { method: 'GET', path: '/-/create-token', handler: createTokenPage },
      { method: 'POST', path: '/-/create-token', handler: createTokenPost },
      ...managedTokenRoutes(storeOf, restrictionsFromJson),
    ],
    registerCommands: () => tokenCommands(),
    startup: async ({ ds }) => {
      stores.set(ds, await ManagedTokenService.open(ds.internalPath, (message) => process.stderr.write(message + '\n')))
    },
    listening: ({ ds }) => {
      const where = ds.internalPath === ':memory:' ? 'in memory: they are lost on restart (pass --internal PATH to keep them)' : `in ${ds.internalPath}`
      process.stdout.write(`dataserve: managed tokens are kept ${where}\n`)
    },
    shutdown: async ({ ds }) => {
      const store = stores.get(ds)
      stores.delete(ds)
      await store?.close()
    },
  },
})
