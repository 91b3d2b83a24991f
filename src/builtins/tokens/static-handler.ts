import { timingSafeEqual } from 'node:crypto'
import { sha256, type Actor, type TokenHandler } from '../../plugin-api.ts'

export interface StaticToken {
  token: string
  actor: Actor
}

/**
 * Tokens written in the config (`plugins.tokens.tokens`), usually from `$env`. Every
 * configured token is compared, in constant time over digests, so neither a token's length
 * nor the position of a match shows in the timing.
 */
export function staticTokenHandler(tokens: readonly StaticToken[]): TokenHandler {
  const digests = tokens.map(({ token, actor }) => ({ digest: sha256(token), actor }))
  return {
    name: 'static',
    createToken() {
      throw new Error('Static tokens are written in the config, not created')
    },
    verifyToken(_ds, token) {
      const given = sha256(token)
      let found: Actor | null = null
      for (const entry of digests) {
        if (timingSafeEqual(entry.digest, given) && found === null) found = { ...entry.actor, token: 'static' }
      }
      return found
    },
  }
}

