/**
 * A Map that holds at most `limit` entries, forgetting the least recently used: the one
 * cache shape dataserve uses (prepared statements, verified tokens, token rows, derived keys).
 * A `get` counts as a use.
 *
 * @example
 * const verified = new BoundedMap<string, Payload>(1000)
 * verified.set(token, payload)
 * verified.get(token) // payload, and now the most recently used
 */
export class BoundedMap<K, V> {
  readonly #entries = new Map<K, V>()

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('BoundedMap needs a limit of at least 1')
  }

  get(key: K): V | undefined {
    const value = this.#entries.get(key)
    if (value !== undefined) {
      // Most recently used last: the first key is the one to forget.
      this.#entries.delete(key)
      this.#entries.set(key, value)
    }
    return value
  }

  has(key: K): boolean {
    return this.#entries.has(key)
  }

  set(key: K, value: V): this {
    this.#entries.delete(key)
    if (this.#entries.size >= this.limit) this.#entries.delete(this.#entries.keys().next().value as K)
    this.#entries.set(key, value)
    return this
  }

  delete(key: K): boolean {
    return this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }

  get size(): number {
    return this.#entries.size
  }
}
