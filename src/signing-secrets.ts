import { ConfigError } from './config/errors.ts'

/**
 * The signing secrets, newest first: `--secret` (repeatable), else `DATASERVE_SECRETS`
 * (comma-separated), else `DATASERVE_SECRET` or `DATASETTE_SECRET`. Undefined when none is
 * set. An empty one is an error: it would sign with a key anybody can guess.
 */
export function configuredSecrets(given: string | readonly string[] | undefined, env: NodeJS.ProcessEnv): string[] | undefined {
  const check = (secrets: string[], source: string) => {
    secrets.forEach((secret, i) => {
      if (secret.trim() === '') throw new ConfigError(source, [], `secret ${i + 1} is empty`)
    })
    return secrets
  }
  if (given !== undefined) return check(typeof given === 'string' ? [given] : [...given], '--secret')
  if (env.DATASERVE_SECRETS !== undefined) return check(env.DATASERVE_SECRETS.split(',').map((secret) => secret.trim()), 'DATASERVE_SECRETS')
  const single = env.DATASERVE_SECRET ?? env.DATASETTE_SECRET
  return single ? [single] : undefined
}
