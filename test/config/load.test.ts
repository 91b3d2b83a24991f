import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError } from '../../src/config/errors.ts'
import { loadConfig } from '../../src/config/load.ts'
import { REPO, tempDir } from '../helpers.ts'

function configFile(text: string, name = 'datasette.yaml'): string {
  const path = join(tempDir(), name)
  writeFileSync(path, text)
  return path
}

/** The config's mappings have no prototype (so user-chosen names find nothing inherited); compare values. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value))

function fails(options: Parameters<typeof loadConfig>[0], pattern: RegExp) {
  assert.throws(() => loadConfig(options), (error: Error) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`)
    assert.match(error.message, pattern)
    return true
  })
}

describe('config: datasette.yaml', () => {
  it('no file gives Datasette default settings and empty sections', () => {
    const config = loadConfig()
    assert.equal(config.settings.default_page_size, 100)
    assert.equal(config.settings.sql_time_limit_ms, 1000)
    assert.equal(config.settings.allow_csv_stream, true)
    assert.deepEqual(plain(config.databases), {})
    assert.deepEqual(plain(config.plugins), {})
  })

  it('reads YAML with settings, allow blocks, databases, tables, queries and plugins', () => {
    const file = configFile(`
title: Sales
settings:
  default_page_size: 50
allow:
  id: [alice, bob]
databases:
  sales:
    allow_sql: false
    tables:
      orders:
        allow: true
        permissions:
          view-table: {id: "*"}
    queries:
      top:
        sql: select 1
plugins:
  my-plugin:
    colour: blue
`)
    const config = loadConfig({ file })
    assert.equal(config.title, 'Sales')
    assert.equal(config.settings.default_page_size, 50)
    assert.equal(config.settings.max_returned_rows, 1000, 'unset settings keep their defaults')
    assert.deepEqual(plain(config.allow), { id: ['alice', 'bob'] })
    assert.equal(config.databases.sales!.tables!.orders!.allow, true)
    assert.deepEqual(plain(config.plugins["my-plugin"]), { colour: 'blue' })
  })

  it('reads JSON too', () => {
    const config = loadConfig({ file: configFile('{"settings": {"max_returned_rows": 10}}', 'datasette.json') })
    assert.equal(config.settings.max_returned_rows, 10)
  })

  it('an empty file is an empty config', () => {
    assert.equal(loadConfig({ file: configFile('') }).settings.default_page_size, 100)
  })

  it('the repo demo config loads', () => {
    assert.equal(loadConfig({ file: join(REPO, 'datasette.config.yaml') }).title, 'dataserve demo')
  })

  it('a missing file names the file', () => {
    fails({ file: '/nonexistent/datasette.yaml' }, /^\/nonexistent\/datasette\.yaml: \(top level\): cannot read config file: ENOENT/)
  })

  it('invalid YAML names the file and the problem', () => {
    const file = configFile('settings:\n  a: [unclosed\n')
    fails({ file }, new RegExp(`^${file}: \\(top level\\): not valid YAML or JSON`))
  })

  it('a duplicate key is an error', () => {
    fails({ file: configFile('title: a\ntitle: b\n') }, /not valid YAML or JSON: Map keys must be unique at line 2/)
  })

  it('a top level that is not a mapping is an error', () => {
    fails({ file: configFile('- a\n- b\n') }, /expected a mapping, got a list/)
  })

  it('an unknown top-level key is an error naming the key, the file and the nearest key', () => {
    const file = configFile('setings:\n  default_page_size: 5\n')
    fails({ file }, new RegExp(`^${file}: setings: unknown key \\(did you mean 'settings'\\?\\)`))
  })

  it('an unknown key deep inside databases is named by its full path', () => {
    fails({ file: configFile('databases:\n  sales:\n    tables:\n      orders:\n        alow: true\n') }, /databases\.sales\.tables\.orders\.alow: unknown key \(did you mean 'allow'\?\)/)
  })

  it('an unknown setting is an error with a suggestion', () => {
    fails({ file: configFile('settings:\n  default_page_sise: 5\n') }, /settings\.default_page_sise: unknown setting \(did you mean 'default_page_size'\?\)/)
  })

  it('a setting of the wrong type is an error naming it', () => {
    fails({ file: configFile('settings:\n  default_page_size: lots\n') }, /settings\.default_page_size: expected a whole number ≥ 0, got a string$/)
    fails({ file: configFile('settings:\n  allow_csv_stream: maybe\n') }, /settings\.allow_csv_stream: expected true\/false/)
    fails({ file: configFile('settings:\n  sql_time_limit_ms: -5\n') }, /settings\.sql_time_limit_ms: expected a whole number/)
  })

  it('an allow block that is not a boolean or mapping is an error naming its path', () => {
    fails({ file: configFile('databases:\n  sales:\n    allow: alice\n') }, /databases\.sales\.allow: an allow block must be true, false or a mapping/)
  })

  it('a section of the wrong type is an error', () => {
    fails({ file: configFile('databases: [a, b]\n') }, /databases: expected a mapping, got a list/)
    fails({ file: configFile('title: 5\n') }, /title: expected a string, got number 5/)
  })
})

describe('config: secrets', () => {
  const env = { SHEETS_TOKEN: 'tok-123', REGION: 'eu' }

  it('{"$env": NAME} is replaced by the variable', () => {
    const config = loadConfig({ file: configFile('plugins:\n  tokens:\n    tokens:\n      - token: {"$env": "SHEETS_TOKEN"}\n'), env })
    assert.deepEqual(plain(config.plugins.tokens), { tokens: [{ token: 'tok-123' }] })
  })

  it('${NAME} inside a string is replaced; $${NAME} stays literal', () => {
    const config = loadConfig({ file: configFile('plugins:\n  p:\n    url: "https://${REGION}.example.com/$${REGION}"\n'), env })
    assert.deepEqual(plain(config.plugins.p), { url: 'https://eu.example.com/${REGION}' })
  })

  it('{"$file": path} is replaced by the file contents, relative to the config file', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'secret.txt'), 's3cret\n')
    const file = join(dir, 'datasette.yaml')
    writeFileSync(file, 'plugins:\n  p:\n    key: {"$file": "secret.txt"}\n')
    assert.deepEqual(plain(loadConfig({ file, env }).plugins.p), { key: 's3cret' })
  })

  it('a missing environment variable stops startup, naming the key and the variable', () => {
    const file = configFile('plugins:\n  tokens:\n    secret: {"$env": "NOT_SET_ANYWHERE"}\n')
    fails({ file, env }, new RegExp(`^${file}: plugins\\.tokens\\.secret: environment variable NOT_SET_ANYWHERE is not set$`))
    fails({ file: configFile('title: "${NOT_SET_EITHER}"\n'), env }, /title: environment variable NOT_SET_EITHER is not set/)
  })

  it('a missing $file is an error naming the key', () => {
    fails({ file: configFile('plugins:\n  p:\n    key: {"$file": "nope.txt"}\n'), env }, /plugins\.p\.key: cannot read \$file/)
  })
})

describe('config: -s overrides', () => {
  it('dotted keys set nested values; JSON values are parsed', () => {
    const config = loadConfig({
      overrides: [
        ['settings.default_page_size', '25'],
        ['plugins.p.paths', '["/a", "/b"]'],
        ['plugins.p.name', 'plain text'],
        ['databases.sales.allow', 'false'],
      ],
    })
    assert.equal(config.settings.default_page_size, 25)
    assert.deepEqual(plain(config.plugins.p), { paths: ['/a', '/b'], name: 'plain text' })
    assert.equal(config.databases.sales!.allow, false)
  })

  it('a bare setting name works as in older Datasette', () => {
    assert.equal(loadConfig({ overrides: [['sql_time_limit_ms', '3500']] }).settings.sql_time_limit_ms, 3500)
  })

  it('overrides win over the file', () => {
    const file = configFile('settings:\n  default_page_size: 50\n')
    assert.equal(loadConfig({ file, overrides: [['settings.default_page_size', '7']] }).settings.default_page_size, 7)
  })

  it('an override is validated like the file', () => {
    fails({ overrides: [['settings.nope', '1']] }, /settings\.nope: unknown setting/)
    fails({ overrides: [['titel', 'x']] }, /titel: unknown key \(did you mean 'title'\?\)/)
  })
})

describe('config: robust against hostile values', () => {
  it('an empty variable is a startup error, alone or inside a string, naming the variable', () => {
    const env = { EMPTY: '', SET: 'x' }
    fails({ file: configFile('plugins:\n  tokens:\n    secret: {"$env": "EMPTY"}\n'), env }, /plugins\.tokens\.secret: environment variable EMPTY is empty$/)
    fails({ file: configFile('plugins:\n  tokens:\n    tokens:\n      - token: "prefix-${EMPTY}"\n'), env }, /plugins\.tokens\.tokens\.0\.token: environment variable EMPTY is empty$/)
  })

  it('an empty $file is a startup error', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'empty.txt'), '\n')
    const file = join(dir, 'datasette.yaml')
    writeFileSync(file, 'plugins:\n  p:\n    key: {"$file": "empty.txt"}\n')
    fails({ file }, /plugins\.p\.key: \$file .*empty\.txt is empty$/)
  })

  it('a secret under a key of the wrong type is never printed: the key and the expected type are', () => {
    const secret = 'hunter2-very-secret'
    for (const yaml of ['allow: "${S}"\n', 'title: {"$env": "S"}\nsettings:\n  default_page_size: "${S}"\n', 'settings:\n  allow_csv_stream: "${S}"\n', 'databases:\n  d:\n    allow_sql: "${S}"\n']) {
      assert.throws(
        () => loadConfig({ file: configFile(yaml), env: { S: secret } }),
        (error: Error) => error instanceof ConfigError && !error.message.includes(secret) && !error.message.includes('hunter2'),
        yaml,
      )
    }
  })

  it('names inherited from Object.prototype are unknown keys, never schema entries', () => {
    fails({ file: configFile('constructor: 1\n') }, /constructor: unknown key/)
    fails({ file: configFile('databases:\n  d:\n    toString: x\n') }, /databases\.d\.toString: unknown key/)
    fails({ overrides: [['constructor', '1']] }, /constructor: unknown key/)
    fails({ file: configFile('settings:\n  hasOwnProperty: 1\n') }, /settings\.hasOwnProperty: unknown setting/)
  })

  it('-s __proto__… cannot pollute Object.prototype', () => {
    try {
      loadConfig({ overrides: [['__proto__.polluted', 'yes'], ['plugins.__proto__.polluted', 'yes']] })
    } catch {
      // refusing is fine too
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  it('looking up a user-chosen name in the loaded config finds nothing inherited', () => {
    const config = loadConfig({ file: configFile('databases:\n  d:\n    tables:\n      t:\n        allow: true\n') })
    assert.equal(config.databases.constructor, undefined)
    assert.equal(config.databases.d!.tables!.constructor, undefined)
    assert.equal(config.plugins.toString, undefined)
  })
})
