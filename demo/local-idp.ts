// A local OpenID provider (oidc-provider) that mints client-credentials JWT access tokens,
// for trying the OIDC plugin without an organisation's identity provider; the tests use it
// too. Run it with `npx tsx demo/local-idp.ts` (see docs/oidc.md).
import { generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import Provider from 'oidc-provider'

export interface LocalClient {
  id: string
  /** How its access tokens are signed: RS256, PS256 (the RSA key) or ES256 (the P-256 key). */
  alg: 'RS256' | 'PS256' | 'ES256'
  /** Put in the `tid` claim, as Entra ID does. */
  tenant?: string
}

export interface LocalIdp {
  issuer: string
  /** The path of every request the provider has answered, in order (to count key fetches). */
  readonly requests: string[]
  /** An access token for `client` (its secret is `<id>-secret`) from the /token endpoint, over HTTP. */
  token(client: string, scope: string): Promise<string>
  close(): Promise<void>
}

export const LOCAL_AUDIENCE = 'api://dataserve'
export const LOCAL_SCOPES = ['datasets:read', 'datasets:sql', 'datasets:reload']

const signingKey = (type: 'rsa' | 'ec', kid: string) => {
  const { privateKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig' }
}

/** Starts the provider on 127.0.0.1 (port 0: a free one); keys are made afresh each time. Tokens live `ttlSecs`. */
export async function startLocalIdp(clients: readonly LocalClient[], { port = 0, ttlSecs = 600 } = {}): Promise<LocalIdp> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const byId = new Map(clients.map((client) => [client.id, client]))
  const provider = new Provider(issuer, {
    jwks: { keys: [signingKey('rsa', 'rsa-1'), signingKey('ec', 'ec-1')] as never },
    clients: clients.map((client) => ({
      client_id: client.id,
      client_secret: `${client.id}-secret`,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    scopes: LOCAL_SCOPES,
    ttl: { ClientCredentials: ttlSecs },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      // Resource indicators make the access token a JWT (typ at+jwt) for our audience.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => LOCAL_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, _resource, client) => ({
          scope: LOCAL_SCOPES.join(' '),
          audience: LOCAL_AUDIENCE,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: byId.get(client.clientId)?.alg ?? 'RS256' } },
        }),
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const tenant = byId.get((token as { clientId?: string }).clientId ?? '')?.tenant
      return tenant === undefined ? {} : { tid: tenant }
    },
  })
  const requests: string[] = []
  const answer = provider.callback()
  server.on('request', (req, res) => {
    requests.push(new URL(req.url ?? '/', issuer).pathname)
    answer(req, res)
  })
  return {
    issuer,
    requests,
    async token(client, scope) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${client}:${client}-secret`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: LOCAL_AUDIENCE }),
      })
      const body = (await response.json()) as { access_token?: string; error_description?: string }
      if (response.status !== 200 || !body.access_token) throw new Error(`the provider refused: ${response.status} ${body.error_description ?? ''}`)
      return body.access_token
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 9000)
  const idp = await startLocalIdp([{ id: 'reports', alg: 'RS256', tenant: 'contoso' }], { port })
  process.stdout.write(
    [
      `Local OpenID provider at ${idp.issuer} (client "reports", secret "reports-secret"). A token:`,
      '',
      `  curl -s -u reports:reports-secret -d grant_type=client_credentials -d 'scope=datasets:read' \\`,
      `    -d resource=${LOCAL_AUDIENCE} ${idp.issuer}/token`,
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  )
}
