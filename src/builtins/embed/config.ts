import { describeValue, pluginBlock, type Dataserve } from '../../plugin-api.ts'

export interface EmbedConfig {
  /** Origins whose pages may frame embed links (`frame-ancestors`); empty: links work, framing does not. */
  allowedOrigins: string[]
  maxExpiresSecs: number
  allowNoExpiry: boolean
}

const KEYS = ['allowed_origins', 'max_expires_secs', 'allow_no_expiry']
const LOOPBACK = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/

/** `plugins.embed`, checked: an origin that is not `https://host[:port]` (or http on loopback) stops startup. */
export function parseEmbedConfig(ds: Dataserve): EmbedConfig {
  const block = pluginBlock(ds, 'embed', KEYS)
  const config: EmbedConfig = { allowedOrigins: [], maxExpiresSecs: 30 * 86400, allowNoExpiry: false }
  if (!block) return config
  const { values, has, fail, bool } = block
  if (has('allowed_origins')) {
    const origins = values.allowed_origins
    if (!Array.isArray(origins)) fail(['allowed_origins'], `expected a list of origins like https://intranet.example.com, got ${describeValue(origins)}`)
    ;(origins as unknown[]).forEach((origin, i) => {
      const ok = typeof origin === 'string' && (/^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(origin) || LOOPBACK.test(origin))
      if (!ok) fail(['allowed_origins', String(i)], 'expected an origin: https://host or https://host:port (http only for localhost), no path')
      config.allowedOrigins.push(origin as string)
    })
  }
  if (has('max_expires_secs')) {
    const value = values.max_expires_secs
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(['max_expires_secs'], `expected a whole number of seconds ≥ 1, got ${describeValue(value)}`)
    config.maxExpiresSecs = value as number
  }
  config.allowNoExpiry = bool('allow_no_expiry', false)
  return config
}
