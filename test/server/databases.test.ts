import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { openDatabases } from '../../src/databases.ts'
import { makeDb, serve, tempDir } from '../helpers.ts'

describe('databases', () => {
  it('are named by file stem, a repeated stem gets _2, and :memory: is _memory', () => {
    const one = makeDb(join(tempDir(), 'sales.db'), 'create table t (x)')
    const two = makeDb(join(tempDir(), 'sales.sqlite'), 'create table t (x)')
    const handles = openDatabases([{ path: one }, { path: two, immutable: true }, { path: ':memory:' }])
    assert.deepEqual(
      handles.map((h) => [h.name, h.immutable, h.path === null]),
      [
        ['sales', false, false],
        ['sales_2', true, false],
        ['_memory', false, true],
      ],
    )
    for (const h of handles) h.connection.close()
  })

  it('files are opened read-only: writes fail', () => {
    const path = makeDb(join(tempDir(), 'ro.db'), 'create table t (x)')
    const [handle] = openDatabases([{ path }])
    assert.throws(() => handle!.connection.exec('insert into t values (1)'), /readonly/)
    handle!.connection.close()
  })

  it("the page cache is SQLite's default 2 MB, or cache_size_kb when set (Datasette's setting)", async () => {
    const path = makeDb(join(tempDir(), 'cache.db'), 'create table t (x)')
    const [plain] = openDatabases([{ path }])
    assert.equal(plain!.connection.pragma('cache_size', { simple: true }), -2000)
    plain!.connection.close()
    const [sized] = openDatabases([{ path }], { cacheSizeKb: 8192 })
    assert.equal(sized!.connection.pragma('cache_size', { simple: true }), -8192)
    sized!.connection.close()
    // The setting reaches the connections of a real server too.
    const server = await serve({ databases: [{ path }], overrides: [['settings.cache_size_kb', '4096']] })
    assert.equal(server.ds.databases.get('cache')!.connection.pragma('cache_size', { simple: true }), -4096)
  })

  it('when one file cannot be opened, the ones already opened are closed', () => {
    const path = makeDb(join(tempDir(), 'ok.db'), 'create table t (x)')
    assert.throws(() => openDatabases([{ path }, { path: '/nonexistent.db' }]), /database file not found/)
  })
})
