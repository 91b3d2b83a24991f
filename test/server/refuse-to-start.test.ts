import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { makeDb, runCli, tempDir } from '../helpers.ts'

/** A database with a table `items`, and a config file holding `yaml`. */
function setup(yaml: string) {
  const dir = tempDir()
  const db = makeDb(join(dir, 'data.db'), 'create table items (id integer primary key); create view recent as select * from items;')
  const config = join(dir, 'datasette.yaml')
  writeFileSync(config, yaml)
  return { db, config }
}

async function refuses(args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}) {
  const run = runCli([...args, '--port', '0'], { env })
  assert.equal(await run.exited, 1, run.stdout())
  assert.match(run.stderr(), pattern)
  assert.equal(run.stderr().trim().split('\n').length, 1, `one line: ${run.stderr()}`)
  return run
}

describe('a config that would not do what it says stops the server at start', () => {
  it('--default-allow with a deny rule for a misspelt database or table refuses, with did-you-mean', async () => {
    const db = setup('databases:\n  dta:\n    allow: false\n')
    await refuses([db.db, '-c', db.config, '--default-allow'], /databases\.dta: no database named dta is being served \(did you mean 'data'\?\)/)
    const table = setup('databases:\n  data:\n    tables:\n      itemz:\n        allow: false\n')
    await refuses([table.db, '-c', table.config, '--default-allow'], /databases\.data\.tables\.itemz: no table or view named itemz in data \(did you mean 'items'\?\)/)
  })

  it('--lenient starts anyway, warning about each unknown name; real names and views need no leniency', async () => {
    const { db, config } = setup('databases:\n  data:\n    tables:\n      recent:\n        allow: true\n      later:\n        allow: false\n')
    const run = runCli([db, '-c', config, '--port', '0', '--lenient'])
    await run.url
    assert.match(run.stderr(), /warning: .*databases\.data\.tables\.later: no table or view named later/)
    run.child.kill('SIGTERM')
    await run.exited
  })

  it('an empty variable inside a secret refuses, naming the variable and never a value', async () => {
    const { db, config } = setup('plugins:\n  tokens:\n    tokens:\n      - token: "prefix-${EMPTY_VAR}"\n        actor: {id: x}\n')
    await refuses([db, '-c', config], /plugins\.tokens\.tokens\.0\.token: environment variable EMPTY_VAR is empty/, { EMPTY_VAR: '' })
  })

  it('a secret under a key of the wrong type is not printed', async () => {
    const { db, config } = setup('allow: "${S}"\n')
    const run = await refuses([db, '-c', config], /allow: .*got a string/, { S: 'sekrit-value-123' })
    assert.doesNotMatch(run.stderr(), /sekrit/)
  })

  it('plugins.tokens.rate_limit (the old place of the limiter) refuses, saying where it went', async () => {
    const { db, config } = setup('plugins:\n  tokens:\n    rate_limit: false\n')
    await refuses([db, '-c', config], /plugins\.tokens\.rate_limit: has moved: set settings\.failed_credentials_limit/)
  })

  for (const [key, value, expected] of [
    ['failed_credentials_limit', '"many"', /settings\.failed_credentials_limit: expected a whole number/],
    ['failed_credentials_limit', 'true', /settings\.failed_credentials_limit: expected a whole number/],
    ['failed_credentials_window_secs', '0', /settings\.failed_credentials_window_secs: expected a whole number of seconds ≥ 1/],
    ['trusted_proxies', '"10.0.0.0/33"', /settings\.trusted_proxies: /],
    ['trusted_proxies', '"proxy.example.com"', /settings\.trusted_proxies: /],
    ['num_sql_threads', '100000', /settings\.num_sql_threads: expected at most 256, got 100000/],
    ['num_sql_threads', '-1', /settings\.num_sql_threads: expected a whole number/],
  ] as const) {
    it(`settings.${key}: ${value} refuses, saying what is expected`, async () => {
      const { db, config } = setup(`settings:\n  ${key}: ${value}\n`)
      await refuses([db, '-c', config], expected)
    })
  }
})
