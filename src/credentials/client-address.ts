import { BlockList, isIP } from 'node:net'

/**
 * `settings.trusted_proxies`: the addresses (and CIDR ranges) of reverse proxies whose
 * `Forwarded` / `X-Forwarded-For` headers say who the client is. A request from anywhere
 * else is its socket's address, whatever headers it sends.
 */
export class TrustedProxies {
  private readonly list = new BlockList()
  readonly empty: boolean

  /** Throws an Error saying which entry is not an address or range. */
  constructor(text: string) {
    const entries = text.split(',').map((entry) => entry.trim()).filter(Boolean)
    this.empty = entries.length === 0
    for (const entry of entries) {
      const [address, bits, extra] = entry.split('/')
      const family = isIP(address ?? '')
      if (family === 0 || extra !== undefined) throw new Error(`${JSON.stringify(entry.slice(0, 60))} is not an IP address or CIDR range (like 10.0.0.0/8 or 127.0.0.1)`)
      const type = family === 4 ? 'ipv4' : 'ipv6'
      if (bits === undefined) this.list.addAddress(address!, type)
      else {
        const prefix = Number(bits)
        if (!/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) throw new Error(`${JSON.stringify(entry.slice(0, 60))} has a bad prefix length`)
        this.list.addSubnet(address!, prefix, type)
      }
    }
  }

  has(address: string): boolean {
    const family = isIP(address)
    return family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6')
  }

  /**
   * The client of a request from `peer`: the peer itself unless it is a trusted proxy; then
   * the forwarded chain read from the right (the entries our proxies added), skipping
   * trusted hops, up to the first address that is not one of ours.
   */
  clientOf(peer: string, forwarded: string | null, forwardedFor: string | null): string {
    const address = plainAddress(peer)
    if (this.empty || !this.has(address)) return address
    const chain = forwarded !== null ? forwardedChain(forwarded) : forwardedFor !== null ? forwardedFor.split(',') : []
    const hops = chain.map((hop) => plainAddress(hop.trim())).filter((hop) => hop !== '')
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!this.has(hops[i]!)) return hops[i]!.slice(0, 100)
    }
    return hops[0] ?? address
  }
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; `[2001:db8::1]:443` → `2001:db8::1`; `10.0.0.1:80` → `10.0.0.1`. */
function plainAddress(text: string): string {
  let address = text.replace(/^"|"$/g, '')
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address)
  if (bracketed) address = bracketed[1]!
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.indexOf(':'))
  if (/^::ffff:[\d.]+$/i.test(address)) address = address.slice(7)
  return address
}

/** The `for=` of each element of RFC 7239's `Forwarded: for=192.0.2.60;proto=http, for="[2001:db8::1]"`. */
function forwardedChain(header: string): string[] {
  return header.split(',').map((element) => {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=')
      if (eq !== -1 && pair.slice(0, eq).trim().toLowerCase() === 'for') return pair.slice(eq + 1).trim()
    }
    return ''
  })
}
