// An example plugin: a route, a startup check of its own config, and a wrapper that times
// permission checks. Copy it to start your own.
import { ConfigError, definePlugin } from 'dataserve'

export default definePlugin({
  name: 'hello',
  version: '1.0.0',
  hooks: {
    // Plugins check their own config block at startup, so a typo stops the server.
    startup: ({ ds }) => {
      const config = ds.pluginConfig('hello') ?? {}
      const greeting = (config as { greeting?: unknown }).greeting
      if (greeting !== undefined && typeof greeting !== 'string') {
        throw new ConfigError('datasette.config.yaml', ['plugins', 'hello', 'greeting'], 'expected a string')
      }
    },
    registerRoutes: ({ ds }) => [
      {
        method: 'GET',
        path: '/-/hello',
        handler: (c) => {
          const { greeting = 'world' } = (ds.pluginConfig('hello') ?? {}) as { greeting?: string }
          return c.json({ hello: greeting, actor: c.var.actor })
        },
      },
    ],
  },
})
