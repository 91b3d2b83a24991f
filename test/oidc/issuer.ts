// A small identity provider of our own for the tokens a real one never mints: discovery and
// a JWKS on 127.0.0.1, keys of every kind (weak ones too), tokens signed with any header and
// any claims, and fault modes (down, hanging, 500, HTML, bad JSON, a redirect, another issuer).
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'
import { createSign, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after } from 'node:test'

export type Fault = 'none' | 'down' | 'hang' | '500' | 'html' | 'badjson' | 'redirect' | 'wrong-issuer'

interface SigningKey {
  kid: string
  alg: string
  privateKey: CryptoKey | KeyObject
  jwk: JWK
  /** Signed with node:crypto: jose will not sign with a weak key. */
  weak?: boolean
}

export class TestIssuer {
  readonly requests: string[] = []
  fault: Fault = 'none'
  #keys: SigningKey[] = []
  #server: Server
  #hanging = new Set<() => void>()
  url = ''

  private constructor(server: Server) {
    this.#server = server
  }

  /** Starts an issuer on a free port with an RS256, an ES256 and a PS256 key; stopped when the test file ends. */
  static async start(): Promise<TestIssuer> {
    const server = createServer()
    const issuer = new TestIssuer(server)
    server.on('request', (req, res) => issuer.answer(req.url ?? '/', res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    issuer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    for (const alg of ['RS256', 'ES256', 'PS256']) await issuer.addKey(alg)
    after(() => issuer.close())
    return issuer
  }

  /** A new key in the JWKS; its kid (random unless given). */
  async addKey(alg: string, kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
    this.#keys.push({ kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } })
    return kid
  }

  /** A 1024-bit RSA key, which jose refuses to sign with (and must refuse to verify with). */
  addWeakRsaKey(kid = 'weak'): string {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    this.#keys.push({ kid, alg: 'RS256', privateKey, jwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' }, weak: true })
    return kid
  }

  /** Drops every key but the newest: key rotation. */
  rotate(): void {
    this.#keys = this.#keys.slice(-1)
  }

  kid(alg: string): string {
    return this.#keys.find((key) => key.alg === alg)!.kid
  }

  /** A token as a real IdP would mint it for `aud`, with overrides of claims and header. */
  async token(options: { alg?: string; kid?: string | null; signWith?: string; raw?: boolean; claims?: Record<string, unknown>; header?: Record<string, unknown>; aud?: string | string[] } = {}): Promise<string> {
    const alg = options.alg ?? 'RS256'
    // Signed with `signWith`, else the key `kid` names, else the first key of `alg`; `kid: null` leaves kid out of the header.
    const wanted = options.signWith ?? (typeof options.kid === 'string' ? options.kid : undefined)
    const key = this.#keys.find((k) => (wanted !== undefined ? k.kid === wanted : k.alg === alg)) ?? this.#keys.find((k) => k.alg === alg)!
    const now = Math.floor(Date.now() / 1000)
    const claims = { iss: this.url, sub: 'alice', aud: options.aud ?? 'api://dataserve', iat: now, exp: now + 300, scope: 'datasets:read', ...options.claims }
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete (claims as Record<string, unknown>)[name]
    const header: Record<string, unknown> = { alg, typ: 'at+jwt', ...(options.kid === null ? {} : { kid: options.kid ?? key.kid }), ...options.header }
    // node:crypto signs what jose will not (a weak key, an unknown crit): RS256 keys only.
    if (key.weak || options.raw) return signRaw(header, claims, key.weak ? (key.privateKey as KeyObject) : KeyObject.from(key.privateKey as CryptoKey))
    return new SignJWT(claims).setProtectedHeader(header as never).sign(key.privateKey as CryptoKey)
  }

  private answer(path: string, res: import('node:http').ServerResponse): void {
    this.requests.push(path)
    if (this.fault === 'hang') {
      // Never answers; released when the issuer closes.
      this.#hanging.add(() => res.destroy())
      return
    }
    if (this.fault === '500') return void res.writeHead(500).end('oops')
    if (this.fault === 'html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>')
    if (this.fault === 'badjson') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [')
    if (this.fault === 'redirect') return void res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' }).end()
    if (path === '/.well-known/openid-configuration') {
      const issuer = this.fault === 'wrong-issuer' ? 'https://evil.example' : this.url
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${this.url}/jwks` }))
    }
    if (path === '/jwks') return void res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: this.#keys.map((key) => key.jwk) }))
    res.writeHead(404).end()
  }

  /** Requests for the keys (discovery or JWKS) so far. */
  get keyFetches(): number {
    return this.requests.filter((path) => path === '/jwks' || path.startsWith('/.well-known')).length
  }

  async setDown(down: boolean): Promise<void> {
    if (down && this.#server.listening) {
      this.#server.closeAllConnections()
      await new Promise<void>((resolve) => this.#server.close(() => resolve()))
    }
    if (!down && !this.#server.listening) {
      const port = Number(new URL(this.url).port)
      await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', () => resolve()))
    }
  }

  async close(): Promise<void> {
    for (const release of this.#hanging) release()
    if (this.#server.listening) await this.setDown(true)
  }
}

/** A JWT signed with node:crypto (for keys jose will not sign with), or with any header. */
export function signRaw(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${part(header)}.${part(claims)}`
  const signature = createSign('RSA-SHA256').update(input).sign(key).toString('base64url')
  return `${input}.${signature}`
}

/** Any header and claims, with a made-up signature: for shapes that must fail before any key is used. */
export function unsigned(header: Record<string, unknown>, claims: Record<string, unknown>, signature = 'c2ln'): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part(header)}.${part(claims)}.${signature}`
}
