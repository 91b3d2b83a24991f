// An example token handler: partner keys `pk_…`, signed with the server secret in their
// own namespace. Mint one with `await ds.createToken('acme', { handler: 'partner-keys' })`;
// clients send it as `Authorization: Bearer pk_…` like any other token.
import { definePlugin, TokenInvalidError } from 'dataserve'

export default definePlugin({
  name: 'partner-keys',
  hooks: {
    registerTokenHandler: () => ({
      name: 'partner-keys',
      createToken: (ds, actorId) => `pk_${ds.sign({ partner: actorId }, 'partner-keys')}`,
      verifyToken: (ds, token) => {
        if (!token.startsWith('pk_')) return null
        let payload: { partner?: unknown }
        try {
          payload = ds.unsign(token.slice(3), 'partner-keys') as { partner?: unknown }
        } catch {
          throw new TokenInvalidError('Invalid partner key')
        }
        if (typeof payload?.partner !== 'string') throw new TokenInvalidError('Invalid partner key')
        return { id: payload.partner, token: 'partner-key' }
      },
    }),
  },
})
