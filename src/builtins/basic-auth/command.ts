import { UsageError, type Command } from '../../plugin-api.ts'
import { DEFAULT_PARAMS, hashPassword } from './password-hash.ts'

/**
 * `dataserve hash-password`: reads a password (a prompt that does not echo on a terminal,
 * else the whole of stdin, one trailing newline dropped) and prints the hash to put in
 * `plugins.basic-auth.users`. The password itself is never printed.
 */
export const hashPasswordCommand: Command = {
  name: 'hash-password',
  usage: `dataserve hash-password [--cost LN]
  (reads the password from a prompt, or from stdin when it is not a terminal; LN: log2 of scrypt's N, default ${DEFAULT_PARAMS.ln})`,
  async run(argv, context) {
    const args = [...argv]
    let ln = DEFAULT_PARAMS.ln
    while (args.length > 0) {
      const arg = args.shift()!
      if (arg !== '--cost') throw new UsageError(`unknown option ${arg}`)
      const value = args.shift()
      if (value === undefined || !/^\d+$/.test(value) || Number(value) < 10 || Number(value) > 20) throw new UsageError('--cost needs a whole number from 10 to 20')
      ln = Number(value)
    }
    const password = process.stdin.isTTY ? await promptTwice() : await readStdin()
    if (password === null) return 1
    if (password === '') {
      context.warn('dataserve: the password is empty: every account needs one')
      return 1
    }
    context.print(await hashPassword(password, { ...DEFAULT_PARAMS, ln }))
    return 0
  },
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

async function promptTwice(): Promise<string | null> {
  const first = await prompt('Password: ')
  const second = await prompt('Again: ')
  if (first !== second) {
    process.stderr.write('dataserve: the passwords differ\n')
    return null
  }
  return first
}

/** One line from the terminal, without echo. */
function prompt(question: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(question)
  stdin.setRawMode(true)
  stdin.resume()
  stdin.setEncoding('utf8')
  return new Promise((resolve, reject) => {
    let line = ''
    const done = () => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off('data', onData)
      process.stderr.write('\n')
    }
    const onData = (text: string) => {
      for (const char of text) {
        if (char === '\r' || char === '\n') {
          done()
          return resolve(line)
        }
        if (char === '\u0003') {
          done()
          return reject(new UsageError('interrupted'))
        }
        if (char === '\u007f' || char === '\b') line = [...line].slice(0, -1).join('')
        else line += char
      }
    }
    stdin.on('data', onData)
  })
}
