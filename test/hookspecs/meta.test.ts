// Every hook must have a docs section and a test, as Datasette's own test suite insists.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { hookspecs } from '../../src/hookspecs.ts'
import { REPO } from '../helpers.ts'

const hookNames = Object.keys(hookspecs)
const docs = readFileSync(join(REPO, 'docs', 'hooks.md'), 'utf8')

describe('every hookspec is documented and tested', () => {
  for (const name of hookNames) {
    it(`${name} has a section in docs/hooks.md`, () => {
      assert.match(docs, new RegExp(`^## ${name}$`, 'm'), `add a '## ${name}' section to docs/hooks.md`)
    })
    it(`${name} has a test in test/hookspecs/${name}.test.ts that calls it through a plugin`, () => {
      const file = join(REPO, 'test', 'hookspecs', `${name}.test.ts`)
      assert.ok(existsSync(file), `add test/hookspecs/${name}.test.ts`)
      assert.match(readFileSync(file, 'utf8'), new RegExp(`hooks: \\{[^}]*\\b${name}\\b`), `${file} should define a plugin implementing ${name}`)
    })
  }

  it('docs/hooks.md documents no hook that does not exist', () => {
    const documented = [...docs.matchAll(/^## (\w+)$/gm)].map((m) => m[1])
    assert.deepEqual(documented.filter((name) => !hookNames.includes(name!)), [])
  })
})
