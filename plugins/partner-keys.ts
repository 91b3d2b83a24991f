// An example token handler: partner keys `pk_…`, signed with the server secret in their
// own namespace. Mint one with `await ds.createToken('acme', { handler: 'partner-keys',
// expiresAfter: 86400 })`; clients send it as `Authorization: Bearer pk_…` like any other
// token. It honours an expiry but not restrictions, and says so in `supports`, so
// ds.createToken() refuses a restricted key instead of minting one that can read everything.
import { definePlugin, TokenInvalidError } from 'dataserve'

export default definePlugin({
  name: 'partner-keys',
  hooks: {
    registerTokenHandler: () => ({
      name: 'partner-keys',
      supports: { expiresAfter: true },
      createToken: (ds, actorId, { expiresAfter }) => {
        const payload: { partner: string; exp?: number } = { partner: actorId }
        // Rounded up: the key lives at least expiresAfter seconds.
        if (expiresAfter !== undefined) payload.exp = Math.ceil(Date.now() / 1000) + expiresAfter
        return `pk_${ds.sign(payload, 'partner-keys')}`
      },
      verifyToken: (ds, token) => {
        if (!token.startsWith('pk_')) return null
        let payload: { partner?: unknown; exp?: unknown }
        try {
          payload = ds.unsign(token.slice(3), 'partner-keys') as { partner?: unknown; exp?: unknown }
        } catch {
          throw new TokenInvalidError('Invalid partner key')
        }
        if (typeof payload?.partner !== 'string') throw new TokenInvalidError('Invalid partner key')
        if (payload.exp !== undefined && (typeof payload.exp !== 'number' || payload.exp <= Date.now() / 1000)) throw new TokenInvalidError('Partner key has expired')
        return { id: payload.partner, token: 'partner-key' }
      },
    }),
  },
})
