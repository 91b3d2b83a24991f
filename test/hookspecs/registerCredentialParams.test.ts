import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { redactUrl } from '../../src/redact.ts'
import { getJson, serve } from '../helpers.ts'
import { allowAll, fixtureDb } from '../tables/fixtures.ts'

describe('hook: registerCredentialParams', () => {
  it('a registered parameter is kept out of every URL dataserve writes, and out of logs', async () => {
    const sheetKey = definePlugin({ name: 'sheet-key', hooks: { registerCredentialParams: () => ['_sheet_key'] } })
    const server = await serve({ databases: [{ path: fixtureDb() }], plugins: [allowAll, sheetKey] })
    assert.ok(server.ds.credentialParams.has('_sheet_key'))
    assert.ok(server.ds.credentialParams.has('_auth_token'), "the tokens plugin's own")
    const { body } = await getJson(server, '/fixtures/items.json?_size=1&_sheet_key=s3cr3t')
    assert.ok(body.next_url)
    assert.doesNotMatch(body.next_url, /_sheet_key|s3cr3t/)
    assert.equal(redactUrl('http://x/a?_sheet_key=s3cr3t&b=2', server.ds.credentialParams), '/a?_sheet_key=***&b=2')
  })

  it('with the tokens and embed plugins blocked, no parameter is a credential unless a plugin says so', async () => {
    const server = await serve({ blockPlugins: ['dataserve.tokens', 'dataserve.embed'] })
    assert.deepEqual([...server.ds.credentialParams], [])
  })
})
