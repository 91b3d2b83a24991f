import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePlugin } from '../../src/define-plugin.ts'
import { serve } from '../helpers.ts'
import { allowAll, fixtureDb } from '../tables/fixtures.ts'

describe('hook: extraCssUrls', () => {
  it('stylesheets are linked after the built-in one, their origins allowed by the policy; unusable URLs are dropped', async () => {
    const views: string[] = []
    const theme = definePlugin({
      name: 'theme',
      hooks: {
        extraCssUrls: ({ view }) => {
          views.push(view)
          return ['/-/static/theme.css', 'https://cdn.example.com/t.css', 'javascript:alert(1)', '//evil.example/x.css']
        },
      },
    })
    const server = await serve({ databases: [{ path: fixtureDb() }], plugins: [allowAll, theme] })
    const response = await server.get('/fixtures/items')
    const html = await response.text()
    const links = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"\/>/g)].map((m) => m[1])
    assert.equal(links.length, 3)
    assert.match(links[0]!, /^\/-\/static\/dataserve-/)
    assert.deepEqual(links.slice(1), ['/-/static/theme.css', 'https://cdn.example.com/t.css'])
    assert.match(response.headers.get('content-security-policy')!, /style-src 'self' https:\/\/cdn\.example\.com;/)
    assert.doesNotMatch(response.headers.get('content-security-policy')!, /script-src/)
    assert.deepEqual(views, ['table'])
  })
})
