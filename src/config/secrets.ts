import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError } from './errors.ts'

/**
 * Replaces `{"$env": "NAME"}`, `{"$file": "path"}` and `${NAME}` inside strings with their
 * values. An unset variable or unreadable file is an error naming the config key, so a
 * server meant to be locked down never starts with an empty secret.
 */
export function resolveSecrets(value: unknown, file: string, env: NodeJS.ProcessEnv, path: string[] = []): unknown {
  if (typeof value === 'string') return interpolate(value, file, env, path)
  if (Array.isArray(value)) return value.map((item, i) => resolveSecrets(item, file, env, [...path, String(i)]))
  if (typeof value !== 'object' || value === null) return value
  const keys = Object.keys(value)
  if (keys.length === 1 && (keys[0] === '$env' || keys[0] === '$file')) {
    const ref = (value as Record<string, unknown>)[keys[0]]
    if (typeof ref !== 'string' || ref === '') throw new ConfigError(file, path, `${keys[0]} needs a non-empty string`)
    if (keys[0] === '$env') {
      const secret = env[ref]
      if (secret === undefined) throw new ConfigError(file, path, `environment variable ${ref} is not set`)
      return secret
    }
    const target = resolve(file === '<settings>' ? '.' : resolve(file, '..'), ref)
    try {
      return readFileSync(target, 'utf8').replace(/\r?\n$/, '')
    } catch {
      throw new ConfigError(file, path, `cannot read $file ${target}`)
    }
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveSecrets(item, file, env, [...path, key])]))
}

function interpolate(text: string, file: string, env: NodeJS.ProcessEnv, path: string[]): string {
  // `$${NAME}` stays a literal `${NAME}`.
  return text.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, name: string) => {
    if (match.startsWith('$$')) return match.slice(1)
    const secret = env[name]
    if (secret === undefined) throw new ConfigError(file, path, `environment variable ${name} is not set`)
    return secret
  })
}
