/** A configuration problem: names the file and the key, and stops the server from starting. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(
    readonly file: string,
    readonly path: readonly string[],
    readonly problem: string,
  ) {
    super(`${file}: ${path.length > 0 ? path.join('.') : '(top level)'}: ${problem}`)
  }
}
