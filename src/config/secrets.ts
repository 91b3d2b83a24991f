import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError } from './errors.ts'

/**
 * Replaces `{"$env": "NAME"}`, `{"$file": "path"}` and `${NAME}` inside strings with their
 * values. An unset or empty variable, or an unreadable or empty file, is an error naming
 * the config key and the variable (never its value), so a server meant to be locked down
 * never starts with an empty secret: `token: "prefix-${EMPTY}"` would otherwise make
 * `prefix-` alone a valid token.
 *
 * Mappings come back with a null prototype, so a user-supplied name (`constructor`,
 * `__proto__`) looked up in the config finds nothing instead of an inherited property.
 */
export function resolveSecrets(value: unknown, file: string, env: NodeJS.ProcessEnv, path: string[] = []): unknown {
  if (typeof value === 'string') return interpolate(value, file, env, path)
  if (Array.isArray(value)) return value.map((item, i) => resolveSecrets(item, file, env, [...path, String(i)]))
  if (typeof value !== 'object' || value === null) return value
  const keys = Object.keys(value)
  if (keys.length === 1 && (keys[0] === '$env' || keys[0] === '$file')) {
    const ref = (value as Record<string, unknown>)[keys[0]]
    if (typeof ref !== 'string' || ref === '') throw new ConfigError(file, path, `${keys[0]} needs a non-empty string`)
    if (keys[0] === '$env') return variable(ref, file, env, path)
    const target = resolve(file === '<settings>' ? '.' : resolve(file, '..'), ref)
    let text: string
    try {
      text = readFileSync(target, 'utf8').replace(/\r?\n$/, '')
    } catch {
      throw new ConfigError(file, path, `cannot read $file ${target}`)
    }
    if (text === '') throw new ConfigError(file, path, `$file ${target} is empty`)
    return text
  }
  const out: Record<string, unknown> = Object.create(null)
  for (const [key, item] of Object.entries(value)) out[key] = resolveSecrets(item, file, env, [...path, key])
  return out
}

function variable(name: string, file: string, env: NodeJS.ProcessEnv, path: string[]): string {
  const secret = Object.hasOwn(env, name) ? env[name] : undefined
  if (secret === undefined) throw new ConfigError(file, path, `environment variable ${name} is not set`)
  if (secret === '') throw new ConfigError(file, path, `environment variable ${name} is empty`)
  return secret
}

function interpolate(text: string, file: string, env: NodeJS.ProcessEnv, path: string[]): string {
  // `$${NAME}` stays a literal `${NAME}`.
  return text.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, name: string) => {
    if (match.startsWith('$$')) return match.slice(1)
    return variable(name, file, env, path)
  })
}
