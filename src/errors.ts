/**
 * Errors that become JSON error responses: `{"ok": false, "error", "errors", "status"}`.
 * Throw them from routes or hooks; anything else becomes a 500 whose details stay in the log.
 */
export class HttpError extends Error {
  override name = 'HttpError'
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 429 | 500 | 503,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

/** 400: the request itself is wrong (a bad parameter, an ambiguous credential). */
export class BadRequestError extends HttpError {
  override name = 'BadRequestError'
  constructor(message: string) {
    super(400, message)
  }
}

/**
 * 403: the actor may not do this. `ds.ensureAllowed()` records the action and resource, so
 * the `forbidden` hook can say what a client should present (a 401 with a challenge for an
 * anonymous request, `insufficient_scope` for a token that lacks one).
 */
export class ForbiddenError extends HttpError {
  override name = 'ForbiddenError'
  constructor(
    message: string,
    readonly denied: { action?: string; resource?: unknown } = {},
  ) {
    super(403, message)
  }
}

/** 404: no such thing. */
export class NotFoundError extends HttpError {
  override name = 'NotFoundError'
  constructor(message: string) {
    super(404, message)
  }
}

/**
 * 401: a credential was presented and recognised but is not valid (expired, revoked,
 * tampered). Throw it from `actorFromRequest` or a token handler's `verifyToken`: the
 * request is then refused, never served as anonymous.
 *
 * @example
 * if (payload.exp < now) throw new TokenInvalidError('Token has expired')
 */
export class TokenInvalidError extends HttpError {
  override name = 'TokenInvalidError'
  constructor(message = 'Invalid token') {
    super(401, message, { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${headerSafe(message)}"` })
  }
}

function headerSafe(text: string): string {
  return text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?')
}

/**
 * Something a plugin needs at startup cannot be had (an identity provider that does not
 * answer, a file that cannot be read): the server stops with this one line, no stack trace.
 *
 * @example
 * throw new StartupError(`plugins.oidc: cannot fetch the keys of ${issuer}`)
 */
export class StartupError extends Error {
  override name = 'StartupError'
}

/** A mistake on the command line: printed with the usage hint, exit code 2. Throw it from a `Command`. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** The JSON body every error response has, in Datasette's shape. */
export function errorBody(status: number, message: string) {
  return { ok: false as const, error: message, errors: [message], status }
}
