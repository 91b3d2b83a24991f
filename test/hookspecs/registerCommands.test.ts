import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { runCli, tempDir } from '../helpers.ts'

const PLUGIN = `import { definePlugin, UsageError } from 'dataserve'
export default definePlugin({
  name: 'greeter',
  hooks: {
    registerCommands: () => [
      {
        name: 'greet',
        usage: 'dataserve greet NAME [--plugins-dir DIR]   say hello',
        run: async (argv, context) => {
          const name = argv.find((arg) => !arg.startsWith('-') && !arg.includes('/'))
          if (!name) throw new UsageError('greet needs a NAME')
          const ds = await context.createDataserve({})
          context.print('hello ' + name + ' from ' + ds.plugins.listPlugins().length + ' plugins')
          await ds.close()
          return 0
        },
      },
    ],
  },
})
`

describe('hook: registerCommands', () => {
  it("a plugin's command runs as `dataserve NAME`, is listed in --help, and a UsageError exits 2", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'greeter.ts'), PLUGIN)
    const run = runCli(['greet', 'ada', '--plugins-dir', dir])
    assert.equal(await run.exited, 0, run.stderr())
    assert.match(run.stdout(), /^hello ada from \d+ plugins$/m)
    const help = runCli(['--help'])
    assert.equal(await help.exited, 0)
    assert.match(help.stdout(), /Commands from plugins:[\s\S]*dataserve create-token ACTOR[\s\S]*dataserve tokens create ACTOR/)
    const bad = runCli(['greet', '--plugins-dir', dir])
    assert.equal(await bad.exited, 2)
    assert.match(bad.stderr(), /greet needs a NAME/)
  })

  it('the built-in tokens plugin brings create-token and tokens', async () => {
    const run = runCli(['create-token', 'alice', '--secret', 's'])
    assert.equal(await run.exited, 0, run.stderr())
    assert.match(run.stdout(), /^dstok_/)
    const blocked = runCli(['create-token', 'alice', '--secret', 's'], { env: { DATASERVE_BLOCK_PLUGINS: 'dataserve.tokens' } })
    assert.notEqual(await blocked.exited, 0, 'without the plugin there is no such command')
  })
})
