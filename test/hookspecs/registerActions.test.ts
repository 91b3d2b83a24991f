import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { startServer } from '../../src/server.ts'
import { serve } from '../helpers.ts'

const reports = definePlugin({
  name: 'reports',
  hooks: {
    registerActions: () => [
      { name: 'view-report', abbr: 'vr', description: 'View a report', resourceKind: 'query' },
      { name: 'publish-report', description: 'Publish a report', resourceKind: 'database' },
    ],
  },
})

describe('hook: registerActions', () => {
  it('registered actions are available by name and by abbreviation', async () => {
    const { ds } = await serve({ plugins: [reports] })
    assert.deepEqual(ds.actions.get('view-report'), { name: 'view-report', abbr: 'vr', description: 'View a report', resourceKind: 'query' })
    assert.equal(ds.resolveAction('vr')?.name, 'view-report')
    assert.equal(ds.resolveAction('publish-report')?.resourceKind, 'database')
    assert.equal(ds.resolveAction('nope'), undefined)
  })

  it('actions from several plugins, sync and async, are all collected', async () => {
    const more = definePlugin({ name: 'more', hooks: { registerActions: async () => [{ name: 'export', abbr: 'ex', description: 'Export', resourceKind: 'instance' }] } })
    const { ds } = await serve({ plugins: [reports, more] })
    const mine = [...ds.actions.keys()].filter((name) => ['export', 'publish-report', 'view-report'].includes(name))
    assert.deepEqual(mine.sort(), ['export', 'publish-report', 'view-report'])
  })

  it('a duplicate action name stops startup', async () => {
    const dup = definePlugin({ name: 'dup', hooks: { registerActions: () => [{ name: 'view-report', description: 'again', resourceKind: 'query' }] } })
    await assert.rejects(startServer({ port: 0, plugins: [reports, dup], notice: () => {} }), /Duplicate action name 'view-report'/)
  })

  it('a duplicate abbreviation stops startup, naming both actions', async () => {
    const dup = definePlugin({ name: 'dup', hooks: { registerActions: () => [{ name: 'void-report', abbr: 'vr', description: 'x', resourceKind: 'query' }] } })
    await assert.rejects(startServer({ port: 0, plugins: [reports, dup], notice: () => {} }), /abbreviation 'vr' is already used by '(view|void)-report'/)
  })
})
