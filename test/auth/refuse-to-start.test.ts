import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { getJson, runCli, serve } from '../helpers.ts'
import { authFiles, basic } from './fixtures.ts'

/** Starting on `yaml` fails with a ConfigError whose one line matches `pattern` and names the file. */
async function refused(yaml: string, pattern: RegExp, env: NodeJS.ProcessEnv = {}) {
  const { db, config } = authFiles(yaml)
  const error = await serve({ databases: [{ path: db }], configFile: config, env }).then(
    () => assert.fail(`started on:\n${yaml}`),
    (failure: Error) => failure,
  )
  assert.equal(error.name, 'ConfigError', error.stack)
  assert.ok(error.message.startsWith(config), `names the file: ${error.message}`)
  assert.match(error.message, pattern)
  assert.doesNotMatch(error.message, /\n/)
  return error.message
}

describe('basic-auth and api-key refuse to start on a block that would not do what it says', () => {
  const CASES: [string, string, RegExp][] = [
    ['a user without a password', 'plugins:\n  basic-auth:\n    users:\n      viewer:\n', /plugins\.basic-auth\.users\.viewer: has no password/],
    ['an empty password', 'plugins:\n  basic-auth:\n    users:\n      viewer: ""\n', /plugins\.basic-auth\.users\.viewer: the password is empty/],
    ['a password that is a number', 'plugins:\n  basic-auth:\n    users:\n      viewer: 1234\n', /plugins\.basic-auth\.users\.viewer: expected a password .* got a number$/],
    ['users as a list', 'plugins:\n  basic-auth:\n    users: [viewer]\n', /plugins\.basic-auth\.users: expected a map of username: password, got a list/],
    ['users empty', 'plugins:\n  basic-auth:\n    users: {}\n', /plugins\.basic-auth\.users: expected at least one/],
    ['a colon in a username', 'plugins:\n  basic-auth:\n    users:\n      "a:b": pw\n', /plugins\.basic-auth\.users\.a:b: a username cannot contain a colon/],
    ['username without password (Dashdown accepted an empty one)', 'plugins:\n  basic-auth:\n    username: admin\n', /plugins\.basic-auth\.password: is required/],
    ['password without username', 'plugins:\n  basic-auth:\n    password: pw\n', /plugins\.basic-auth\.username: is required/],
    ['users and username both', 'plugins:\n  basic-auth:\n    username: a\n    password: b\n    users:\n      c: d\n', /plugins\.basic-auth\.users: give users, or username and password, not both/],
    ['no accounts', 'plugins:\n  basic-auth:\n    realm: x\n', /plugins\.basic-auth: needs users/],
    ['an unknown key', 'plugins:\n  basic-auth:\n    user:\n      a: b\n', /plugins\.basic-auth\.user: unknown key \(did you mean 'users'\?\)/],
    ['a broken hash', 'plugins:\n  basic-auth:\n    users:\n      a: "$scrypt$ln=16,r=8,p=1$abc"\n', /plugins\.basic-auth\.users\.a: expected a hash made by `dataserve hash-password`/],
    ['a hash too costly to check', 'plugins:\n  basic-auth:\n    users:\n      a: "$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"\n', /ln must be between 10 and 20/],
    ['grant_read not a boolean', 'plugins:\n  basic-auth:\n    grant_read: "yes"\n    users:\n      a: b\n', /plugins\.basic-auth\.grant_read: expected true or false/],
    ['a realm with a newline', 'plugins:\n  basic-auth:\n    realm: "a\\nb"\n    users:\n      a: b\n', /plugins\.basic-auth\.realm: expected a non-empty line of printable ASCII/],
    ['keys not a list', 'plugins:\n  api-key:\n    keys: abc123\n', /plugins\.api-key\.keys: expected a list of keys/],
    ['a key that is a number', 'plugins:\n  api-key:\n    key: 123456789012345678\n', /plugins\.api-key\.key: expected a secret string, got a number$/],
    ['an empty key', 'plugins:\n  api-key:\n    key: ""\n', /plugins\.api-key\.key: the key is empty/],
    ['an empty entry in keys', 'plugins:\n  api-key:\n    keys: [good-key-0123456789, ""]\n', /plugins\.api-key\.keys\.1: the key is empty/],
    ['a keys entry without key', 'plugins:\n  api-key:\n    keys:\n      - actor: {id: etl}\n', /plugins\.api-key\.keys\.0\.key: is required/],
    ['a key with a comma', 'plugins:\n  api-key:\n    key: "abc,def-0123456789"\n', /plugins\.api-key\.key: a key must be printable ASCII without spaces or commas/],
    ['a key with non-ASCII', 'plugins:\n  api-key:\n    key: "schlüssel-0123456789"\n', /plugins\.api-key\.key: a key must be printable ASCII/],
    ['a key given twice', 'plugins:\n  api-key:\n    keys: [same-key-0123456789, same-key-0123456789]\n', /plugins\.api-key\.keys\.1: this key is given twice/],
    ['key and keys both', 'plugins:\n  api-key:\n    key: a-0123456789abcdef\n    keys: [b-0123456789abcdef]\n', /plugins\.api-key\.keys: give key or keys, not both/],
    ['no key at all', 'plugins:\n  api-key:\n    header: X-Key\n', /plugins\.api-key: needs key/],
    ['the Authorization header', 'plugins:\n  api-key:\n    header: Authorization\n    key: a-0123456789abcdef\n', /plugins\.api-key\.header: Authorization carries something else/],
    ['an actor without id', 'plugins:\n  api-key:\n    keys:\n      - key: a-0123456789abcdef\n        actor: {name: etl}\n', /plugins\.api-key\.keys\.0\.actor: expected an actor like \{id: etl\}/],
    ['an unknown key in an entry', 'plugins:\n  api-key:\n    keys:\n      - key: a-0123456789abcdef\n        actr: {id: etl}\n', /plugins\.api-key\.keys\.0\.actr: unknown key \(did you mean 'actor'\?\)/],
  ]
  for (const [label, yaml, pattern] of CASES) {
    it(label, async () => {
      const message = await refused(yaml, pattern)
      assert.doesNotMatch(message, /0123456789|readonly|\bpw\b/, 'no secret in the message')
    })
  }

  it('a secret from an unset or empty variable refuses, naming the variable; pre-${VAR} expands; $${VAR} is literal', async () => {
    await refused('plugins:\n  basic-auth:\n    users:\n      admin: ${ADMIN_PW}\n', /plugins\.basic-auth\.users\.admin: .*ADMIN_PW/, {})
    await refused('plugins:\n  basic-auth:\n    users:\n      admin: ${ADMIN_PW}\n', /plugins\.basic-auth\.users\.admin: environment variable ADMIN_PW is empty/, { ADMIN_PW: '' })
    await refused('plugins:\n  api-key:\n    keys: ["${KEY_A}"]\n', /plugins\.api-key\.keys\.0: .*KEY_A/, {})
    const { db, config } = authFiles('plugins:\n  basic-auth:\n    users:\n      admin: pre-${ADMIN_PW}\n      literal: $${ADMIN_PW}\n')
    const server = await serve({ databases: [{ path: db }], configFile: config, env: { ADMIN_PW: 'from-env' } })
    const actor = async (user: string, password: string) => (await getJson(server, '/-/actor.json', { headers: { authorization: basic(user, password) } })).body.actor?.id ?? null
    assert.equal(await actor('admin', 'pre-from-env'), 'admin')
    assert.equal(await actor('literal', '${ADMIN_PW}'), 'literal')
  })

  it('the command line exits 1 with one line naming file and key', async () => {
    const { db, config } = authFiles('plugins:\n  basic-auth:\n    users:\n      viewer: ""\n')
    const run = runCli([db, '-c', config, '--port', '0'])
    assert.equal(await run.exited, 1)
    assert.equal(run.stderr().trim().split('\n').length, 1, run.stderr())
    assert.match(run.stderr(), new RegExp(`cannot start: ${config.replace(/[.]/g, '\\.')}: plugins\\.basic-auth\\.users\\.viewer: the password is empty`))
  })
})
