import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { Actor, Resource } from '../../src/types.ts'
import { alice, anonymous, bob, permissionWorld, root } from './helpers.ts'

type Row = [actor: Actor | null, action: string, resource: Resource, expected: boolean]

/** Checks every row, reporting all mismatches at once. */
async function expectMatrix(config: string, rows: Row[], options = {}) {
  const world = await permissionWorld(config, options)
  after(() => world.ds.close())
  const wrong: string[] = []
  for (const [actor, action, resource, expected] of rows) {
    const got = await world.can(actor, action, resource)
    if (got !== expected) wrong.push(`${actor?.id ?? 'anonymous'} ${action} ${JSON.stringify(resource ?? null)}: expected ${expected}, got ${got}`)
  }
  assert.deepEqual(wrong, [])
}

const restricted: Actor = { id: 'alice', token: 'dstok', _r: { r: { sales: { orders: ['vt'] } } } }
const restrictedRoot: Actor = { id: 'root', token: 'dstok', _r: { d: { hr: ['view-table'] } } }

describe('permission matrix', () => {
  it('default deny with no config: nothing for anyone, root included (without --root)', async () => {
    const rows: Row[] = []
    for (const actor of [anonymous, alice, root]) {
      rows.push([actor, 'view-instance', undefined, false], [actor, 'view-database', 'sales', false], [actor, 'view-table', ['sales', 'orders'], false], [actor, 'execute-sql', 'sales', false])
    }
    await expectMatrix('', rows)
  })

  it('--default-allow restores Datasette defaults for every view action and execute-sql', async () => {
    await expectMatrix(
      '',
      [
        [anonymous, 'view-instance', undefined, true],
        [anonymous, 'view-database', 'sales', true],
        [anonymous, 'view-table', ['sales', 'orders'], true],
        [anonymous, 'view-query', ['sales', 'q'], true],
        [anonymous, 'execute-sql', 'sales', true],
        [anonymous, 'permissions-debug', undefined, false],
        [restricted, 'view-table', ['sales', 'orders'], true],
        [restricted, 'view-table', ['sales', 'customers'], false],
        [restricted, 'view-database', 'sales', false],
      ],
      { overrides: [['settings.default_allow', 'true']] },
    )
  })

  it('root allow locks the whole instance to some actors', async () => {
    await expectMatrix('allow:\n  id: [alice]\n', [
      [alice, 'view-instance', undefined, true],
      [alice, 'view-table', ['sales', 'orders'], true],
      [bob, 'view-instance', undefined, false],
      [bob, 'view-table', ['hr', 'staff'], false],
      [anonymous, 'view-database', 'sales', false],
      [alice, 'execute-sql', 'sales', false],
    ])
  })

  it('a table opened inside a denied database', async () => {
    await expectMatrix(
      `databases:
  sales:
    allow: false
    tables:
      orders:
        allow: true
`,
      [
        [anonymous, 'view-table', ['sales', 'orders'], true],
        [bob, 'view-table', ['sales', 'orders'], true],
        [anonymous, 'view-table', ['sales', 'customers'], false],
        [anonymous, 'view-database', 'sales', false],
        [anonymous, 'view-table', ['hr', 'staff'], true],
      ],
      { overrides: [['settings.default_allow', 'true']] },
    )
  })

  it('a table closed inside an open database', async () => {
    await expectMatrix(
      `databases:
  sales:
    allow: true
    tables:
      salaries:
        allow:
          id: alice
`,
      [
        [anonymous, 'view-database', 'sales', true],
        [anonymous, 'view-table', ['sales', 'orders'], true],
        [anonymous, 'view-table', ['sales', 'salaries'], false],
        [bob, 'view-table', ['sales', 'salaries'], false],
        [alice, 'view-table', ['sales', 'salaries'], true],
        [anonymous, 'view-table', ['hr', 'staff'], false],
        [anonymous, 'view-instance', undefined, false],
      ],
    )
  })

  it('unauthenticated: true opens to anonymous only', async () => {
    await expectMatrix('allow:\n  unauthenticated: true\n', [
      [anonymous, 'view-table', ['sales', 'orders'], true],
      [alice, 'view-table', ['sales', 'orders'], false],
    ])
  })

  it('"*" lets in any signed-in actor', async () => {
    await expectMatrix('allow:\n  id: "*"\n', [
      [anonymous, 'view-instance', undefined, false],
      [alice, 'view-instance', undefined, true],
      [bob, 'view-table', ['hr', 'staff'], true],
    ])
  })

  it('{} matches nobody, even under --default-allow', async () => {
    await expectMatrix('databases:\n  hr:\n    allow: {}\n', [[alice, 'view-table', ['hr', 'staff'], false], [alice, 'view-table', ['sales', 'orders'], true]], {
      overrides: [['settings.default_allow', 'true']],
    })
  })

  it('allow_sql at root and per database; execute-sql also needs view-database', async () => {
    await expectMatrix(
      `allow: true
allow_sql:
  id: alice
databases:
  hr:
    allow_sql: true
    allow:
      id: bob
`,
      [
        [alice, 'execute-sql', 'sales', true],
        [bob, 'execute-sql', 'sales', false],
        [bob, 'execute-sql', 'hr', true],
        [alice, 'execute-sql', 'hr', false], // hr allow_sql is open, but alice may not view hr
        [anonymous, 'execute-sql', 'hr', false],
      ],
    )
  })

  it('permissions blocks at root, database, table and query level; the most specific wins', async () => {
    await expectMatrix(
      `permissions:
  view-table:
    id: alice
  view-instance: true
databases:
  sales:
    permissions:
      view-table:
        id: [alice, bob]
    tables:
      salaries:
        permissions:
          view-table:
            id: carol
    queries:
      report:
        sql: select 1
        permissions:
          view-query:
            id: bob
`,
      [
        [anonymous, 'view-instance', undefined, true],
        [alice, 'view-table', ['hr', 'staff'], true],
        [bob, 'view-table', ['hr', 'staff'], false],
        [bob, 'view-table', ['sales', 'orders'], true],
        [alice, 'view-table', ['sales', 'salaries'], false],
        [{ id: 'carol' }, 'view-table', ['sales', 'salaries'], true],
        [bob, 'view-query', ['sales', 'report'], true],
        [alice, 'view-query', ['sales', 'report'], false],
      ],
    )
  })

  it('permissions blocks accept abbreviations', async () => {
    await expectMatrix('permissions:\n  vt: true\n', [[anonymous, 'view-table', ['sales', 'orders'], true], [anonymous, 'view-instance', undefined, false]])
  })

  it('at the same level a deny beats an allow', async () => {
    await expectMatrix(
      `databases:
  sales:
    allow: true
    permissions:
      view-table:
        id: alice
`,
      [
        [alice, 'view-table', ['sales', 'orders'], true],
        [bob, 'view-table', ['sales', 'orders'], false],
        [bob, 'view-database', 'sales', true],
      ],
    )
  })

  it('query allow blocks decide view-query', async () => {
    await expectMatrix(
      `databases:
  sales:
    queries:
      top:
        sql: select 1
        allow:
          id: alice
`,
      [
        [alice, 'view-query', ['sales', 'top'], true],
        [bob, 'view-query', ['sales', 'top'], false],
      ],
    )
  })

  it('--root: root may do everything, including permissions-debug; others are unchanged', async () => {
    await expectMatrix(
      'databases:\n  sales:\n    allow:\n      id: alice\n',
      [
        [root, 'view-instance', undefined, true],
        [root, 'view-table', ['hr', 'staff'], true],
        [root, 'execute-sql', 'hr', true],
        [root, 'permissions-debug', undefined, true],
        [alice, 'view-table', ['sales', 'orders'], true],
        [bob, 'view-table', ['sales', 'orders'], false],
        [bob, 'view-table', ['hr', 'staff'], false],
      ],
      { overrides: [['settings.root_enabled', 'true']] },
    )
  })

  it('a restricted root token is still restricted', async () => {
    await expectMatrix(
      '',
      [
        [restrictedRoot, 'view-table', ['hr', 'staff'], true],
        [restrictedRoot, 'view-table', ['sales', 'orders'], false],
        [restrictedRoot, 'view-instance', undefined, false],
        [restrictedRoot, 'execute-sql', 'hr', false],
        [restrictedRoot, 'permissions-debug', undefined, false],
      ],
      { overrides: [['settings.root_enabled', 'true']] },
    )
  })

  it('restrictions only narrow: a restricted token never gets what its actor lacks', async () => {
    const wide: Actor = { id: 'bob', _r: { a: ['vi', 'vd', 'vt', 'es'] } }
    await expectMatrix('allow:\n  id: alice\n', [
      [wide, 'view-table', ['sales', 'orders'], false],
      [{ id: 'alice', _r: { a: ['vt'] } }, 'view-table', ['sales', 'orders'], true],
      [{ id: 'alice', _r: { a: ['vt'] } }, 'view-database', 'sales', false],
      [{ id: 'alice', _r: { d: { sales: ['vt'] } } }, 'view-table', ['sales', 'customers'], true],
      [{ id: 'alice', _r: { d: { sales: ['vt'] } } }, 'view-table', ['hr', 'staff'], false],
      [{ id: 'alice', _r: { r: { sales: { orders: ['view-table'] } } } }, 'view-table', ['sales', 'orders'], true],
      [{ id: 'alice', _r: { r: { sales: { orders: ['view-table'] } } } }, 'view-table', ['sales', 'customers'], false],
      [{ id: 'alice', _r: {} }, 'view-instance', undefined, false],
    ])
  })
})
