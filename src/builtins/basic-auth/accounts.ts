import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { BoundedMap, HttpError, sha256 } from '../../plugin-api.ts'
import { formatPasswordHash, derive, verifyPassword, type PasswordHash, type ScryptParams } from './password-hash.ts'

/** At most this many scrypt runs at once (each takes a thread of libuv's pool of four, and 64 MiB). */
const MAX_RUNNING = 2
/** Beyond this many waiting, a request gets 503 rather than a growing queue. */
const MAX_WAITING = 64
/** Successful sign-ins remembered per config, so a browser's every request does not pay for scrypt. */
const REMEMBERED = 1000

/**
 * The accounts of one `plugins.basic-auth` config, and the one way to check a password.
 * An unknown user and a wrong password take the same path and the same time: with plain
 * passwords, one SHA-256 and one constant-time comparison against a stand-in digest; as
 * soon as one account has a scrypt hash, every account does (plain passwords are hashed
 * when the config is prepared) and an unknown user is checked against a stand-in hash with
 * the same parameters, so a fast "no" never says "no such user".
 */
export class Accounts {
  /** Plain mode: SHA-256 of each password. */
  readonly #digests = new Map<string, Buffer>()
  readonly #standInDigest = sha256(randomBytes(32))
  /** Hashed mode: each account's hash, and a stand-in for unknown users. */
  readonly #hashes = new Map<string, PasswordHash>()
  #standInHash: PasswordHash | null = null
  /** HMAC (with a key of this process) of username and password → true. Never the password itself. */
  readonly #remembered = new BoundedMap<string, true>(REMEMBERED)
  readonly #rememberKey = randomBytes(32)
  readonly #gate = new Gate(MAX_RUNNING, MAX_WAITING)

  private constructor() {}

  static async prepare(users: ReadonlyMap<string, string | PasswordHash>): Promise<Accounts> {
    const accounts = new Accounts()
    const hashed = [...users.values()].filter((value): value is PasswordHash => typeof value !== 'string')
    if (hashed.length === 0) {
      for (const [name, password] of users) accounts.#digests.set(name, sha256(password as string))
      return accounts
    }
    const params = mostCommon(hashed.map((hash) => hash.params))
    const withParams = async (password: string): Promise<PasswordHash> => {
      const salt = randomBytes(16)
      return { params, salt, hash: await derive(password, salt, params) }
    }
    for (const [name, value] of users) accounts.#hashes.set(name, typeof value === 'string' ? await withParams(value) : value)
    accounts.#standInHash = await withParams(randomBytes(24).toString('base64'))
    return accounts
  }

  get size(): number {
    return this.#digests.size + this.#hashes.size
  }

  /** Synchronous in plain mode and for a remembered sign-in; otherwise scrypt, off the event loop. */
  verify(username: string, password: string): boolean | Promise<boolean> {
    if (this.#standInHash === null) {
      const expected = this.#digests.get(username)
      const equal = timingSafeEqual(sha256(password), expected ?? this.#standInDigest)
      return equal && expected !== undefined
    }
    const key = createHmac('sha256', this.#rememberKey).update(username).update('\0').update(password).digest('base64')
    if (this.#remembered.get(key)) return true
    const stored = this.#hashes.get(username)
    return this.#gate.run(() => verifyPassword(password, stored ?? this.#standInHash!)).then((equal) => {
      const ok = equal && stored !== undefined
      if (ok) this.#remembered.set(key, true)
      return ok
    })
  }
}

function mostCommon(all: ScryptParams[]): ScryptParams {
  const counts = new Map<string, { params: ScryptParams; count: number }>()
  for (const params of all) {
    const key = formatPasswordHash({ params, salt: Buffer.alloc(0), hash: Buffer.alloc(0) })
    const entry = counts.get(key) ?? { params, count: 0 }
    entry.count++
    counts.set(key, entry)
  }
  return [...counts.values()].sort((a, b) => b.count - a.count)[0]!.params
}

/** A counting semaphore with a bounded queue. */
class Gate {
  #running = 0
  readonly #waiting: (() => void)[] = []

  constructor(
    readonly maxRunning: number,
    readonly maxWaiting: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.maxRunning) {
      if (this.#waiting.length >= this.maxWaiting) throw new HttpError(503, 'Too many sign-ins in progress; try again shortly', { 'Retry-After': '1' })
      // A finishing task hands its place over: the count never drops below while some wait.
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    } else this.#running++
    try {
      return await task()
    } finally {
      const next = this.#waiting.shift()
      if (next) next()
      else this.#running--
    }
  }
}
