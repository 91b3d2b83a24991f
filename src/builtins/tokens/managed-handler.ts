import type { TokenHandler } from '../../plugin-api.ts'
import { MANAGED_PREFIX } from './managed-schema.ts'
import { storeOf } from './state.ts'

/** Managed tokens (`dsmt_…`) as a token handler: kept in the internal database, revocable. */
export function managedTokenHandler(): TokenHandler {
  return {
    name: 'managed',
    supports: { expiresAfter: true, restrictions: true },
    createToken: async (ds, actorId, { expiresAfter, restrictions }) =>
      (
        await storeOf(ds).create(actorId, {
          expiresAfter,
          restrictions: restrictions && !restrictions.isEmpty() ? restrictions.abbreviated(ds) : null,
        })
      ).token,
    verifyToken: (ds, token, context) => (token.startsWith(MANAGED_PREFIX) ? storeOf(ds).verify(token, context?.path ?? null) : null),
  }
}

