// plugins.oidc is checked whole at startup: every mistake stops the server with the key.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { createDataserve } from '../../src/server.ts'
import { oidcFiles, oidcYaml } from './fixtures.ts'
import { TestIssuer } from './issuer.ts'

async function refuses(block: Record<string, unknown>, pattern: RegExp) {
  const { config } = oidcFiles('http://127.0.0.1:9')
  writeFileSync(config, `plugins:\n  oidc:\n${Object.entries(block).map(([key, value]) => `    ${key}: ${JSON.stringify(value)}\n`).join('')}`)
  await assert.rejects(createDataserve({ configFile: config, notice: () => {} }), (error: Error) => {
    assert.equal(error.name, 'ConfigError', error.message)
    assert.match(error.message, pattern)
    return true
  })
}

const base = { issuer: 'https://login.example.com/tenant/v2.0', audience: 'api://dataserve' }

describe('OIDC: a config that would not do what it says refuses to start', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['no issuer', { audience: 'x' }, /plugins\.oidc\.issuer: is required/],
    ['no audience', { issuer: base.issuer }, /plugins\.oidc\.audience: is required/],
    ['http issuer on a public host', { ...base, issuer: 'http://login.example.com' }, /plugins\.oidc\.issuer: must be https/],
    ['userinfo in the issuer', { ...base, issuer: 'https://u:p@login.example.com' }, /plugins\.oidc\.issuer: must not hold a user name/],
    ['a query in the issuer', { ...base, issuer: 'https://login.example.com/?x=1' }, /plugins\.oidc\.issuer: must not have a query/],
    ['a fragment in the issuer', { ...base, issuer: 'https://login.example.com/#x' }, /plugins\.oidc\.issuer: must not have a fragment/],
    ['not a URL', { ...base, issuer: 'login.example.com' }, /plugins\.oidc\.issuer: expected an absolute URL/],
    ['HS256', { ...base, algorithms: ['HS256'] }, /plugins\.oidc\.algorithms: HS256 is not allowed/],
    ['none', { ...base, algorithms: ['none'] }, /algorithms: none is not allowed/],
    ['EdDSA', { ...base, algorithms: ['RS256', 'EdDSA'] }, /algorithms: EdDSA is not allowed/],
    ['an unknown algorithm', { ...base, algorithms: ['RS1024'] }, /algorithms: RS1024 is not allowed/],
    ['an empty algorithm list', { ...base, algorithms: [] }, /algorithms: expected at least one/],
    ['leeway over 300', { ...base, leeway_secs: 301 }, /leeway_secs: at most 300/],
    ['a bad JSON pointer', { ...base, tenant_claim: 'tid' }, /tenant_claim: expected a JSON pointer/],
    ['a bad pointer escape', { ...base, tenant_claim: '/a~2b' }, /tenant_claim: expected a JSON pointer/],
    ['allowed_tenants without tenant_claim', { ...base, allowed_tenants: ['acme'] }, /allowed_tenants: needs tenant_claim/],
    ['wrong types', { ...base, anonymous_read: 'yes' }, /anonymous_read: expected true or false/],
    ['a scope list of the wrong type', { ...base, read_scopes: 'datasets:read' }, /read_scopes: expected a list/],
    ['an empty admin token', { ...base, admin_token: '' }, /admin_token: expected a non-empty secret/],
    ['an unknown key', { ...base, audiance: 'x' }, /plugins\.oidc\.audiance: unknown key \(did you mean 'audience'\?\)/],
  ]
  for (const [label, block, pattern] of cases) it(label, () => refuses(block, pattern))

  it('a wrong-typed secret is not printed', async () => {
    const { config } = oidcFiles('http://127.0.0.1:9')
    writeFileSync(config, 'plugins:\n  oidc:\n    issuer: https://login.example.com\n    audience: api://x\n    read_scopes: "${SECRET_SCOPES}"\n')
    await assert.rejects(createDataserve({ configFile: config, notice: () => {}, env: { SECRET_SCOPES: 'hunter2-secret' } }), (error: Error) => !error.message.includes('hunter2'))
  })

  it('audience "" starts with a warning; jwks_refresh_secs below 60 is clamped with a notice; enabled: false is a no-op, said at startup', async () => {
    const issuer = await TestIssuer.start()
    const messages: string[] = []
    const write = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((chunk: string) => (messages.push(String(chunk)), true)) as typeof process.stderr.write
    try {
      const { config } = oidcFiles(issuer.url)
      writeFileSync(config, oidcYaml(issuer.url, { audience: '', jwks_refresh_secs: 5 }))
      const ds = await createDataserve({ configFile: config, notice: () => {} })
      await ds.close()
      writeFileSync(config, oidcYaml(issuer.url, { enabled: false }))
      const off = await createDataserve({ configFile: config, notice: () => {} })
      assert.equal(off.tokenHandlers.some((handler) => handler.name === 'oidc'), false)
      await off.close()
    } finally {
      process.stderr.write = write
    }
    assert.ok(messages.some((m) => /plugins\.oidc\.audience is "": tokens minted for any API/.test(m)), messages.join(''))
    assert.ok(messages.some((m) => /jwks_refresh_secs is below 60: using 60/.test(m)))
    assert.ok(messages.some((m) => /enabled: false: JWT bearer tokens are not accepted/.test(m)))
  })
})
