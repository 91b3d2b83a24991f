import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { actorMatchesAllow } from '../../src/builtins/permissions/allow-block.ts'

const alice = { id: 'alice', roles: ['staff', 'admin'] }
const bob = { id: 'bob' }

describe('allow blocks, as Datasette matches them', () => {
  const cases: [string, unknown, [unknown, boolean][]][] = [
    ['true', true, [[null, true], [alice, true]]],
    ['false', false, [[null, false], [alice, false]]],
    ['{id: alice}', { id: 'alice' }, [[alice, true], [bob, false], [null, false]]],
    ['{id: [alice, bob]}', { id: ['alice', 'bob'] }, [[alice, true], [bob, true], [{ id: 'carol' }, false]]],
    ['{id: "*"}', { id: '*' }, [[alice, true], [bob, true], [null, false], [{ name: 'x' }, false]]],
    ['{roles: admin} against a list on the actor', { roles: 'admin' }, [[alice, true], [bob, false]]],
    ['{unauthenticated: true}', { unauthenticated: true }, [[null, true], [alice, false]]],
    ['{id: bob, unauthenticated: true} (keys OR-ed)', { id: 'bob', unauthenticated: true }, [[null, true], [bob, true], [alice, false]]],
    ['{} matches nobody', {}, [[null, false], [alice, false]]],
    ['{id: alice, roles: staff} (any key)', { id: 'zed', roles: 'staff' }, [[alice, true], [bob, false]]],
    ['{constructor: "*"} finds nothing inherited from Object.prototype', { constructor: '*' }, [[alice, false], [null, false]]],
    ['{toString: [x]} likewise', { toString: ['x'] }, [[alice, false], [bob, false]]],
  ]
  for (const [label, block, expectations] of cases) {
    it(label, () => {
      for (const [actor, expected] of expectations) {
        assert.equal(actorMatchesAllow(actor as never, block), expected, `${JSON.stringify(actor)}`)
      }
    })
  }
})
