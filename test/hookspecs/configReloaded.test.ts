import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import type { DataserveConfig } from '../../src/config/load.ts'
import { serve, tempDir } from '../helpers.ts'

describe('hook: configReloaded', () => {
  it('runs after a reload is swapped in, with the new config in ds and the old one as previous; never for a refused one', async () => {
    const dir = tempDir()
    const config = join(dir, 'datasette.yaml')
    writeFileSync(config, 'settings:\n  default_page_size: 10\n')
    const calls: { now: number; before: number; nowIsCurrent: boolean }[] = []
    let firstConfig: DataserveConfig | undefined
    const watcher = definePlugin({
      name: 'watcher',
      hooks: {
        startup: ({ ds }) => void (firstConfig = ds.config),
        configReloaded: ({ ds, previous }) => {
          calls.push({ now: ds.settings.default_page_size, before: previous.settings.default_page_size, nowIsCurrent: ds.generation.config === ds.config })
        },
      },
    })
    const server = await serve({ configFile: config, plugins: [watcher], watchConfig: false })
    writeFileSync(config, 'settings:\n  default_page_size: 20\n')
    await server.ds.reloadConfig()
    assert.deepEqual(calls, [{ now: 20, before: 10, nowIsCurrent: true }])
    assert.notEqual(server.ds.config, firstConfig)

    writeFileSync(config, 'settings:\n  default_page_size: many\n')
    assert.equal((await server.ds.reloadConfig()).ok, false)
    assert.equal(calls.length, 1, 'not called for a refused reload')

    // A plugin that fails here is logged; the reload still stands.
    const notices: string[] = []
    const failing = definePlugin({ name: 'failing', hooks: { configReloaded: () => { throw new Error('cannot release') } } })
    writeFileSync(join(dir, 'other.yaml'), 'settings:\n  default_page_size: 5\n')
    const third = await serve({ configFile: join(dir, 'other.yaml'), plugins: [failing], watchConfig: false, notice: (line) => notices.push(line) })
    writeFileSync(join(dir, 'other.yaml'), 'settings:\n  default_page_size: 6\n')
    const outcome = await third.ds.reloadConfig()
    assert.equal(outcome.ok, true)
    assert.equal(third.ds.settings.default_page_size, 6)
    assert.ok(notices.some((line) => /configReloaded hook failed: .*cannot release/.test(line)), notices.join('\n'))
  })
})
