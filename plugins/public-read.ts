// An example permissionAllowed plugin: makes reading public — the instance pages, every
// database and table, and read-only SQL — and says nothing about anything else, so every
// other decision is left to the other plugins and the default (deny). The demo uses it.
import { definePlugin } from 'dataserve'

const READ_ACTIONS = new Set(['view-instance', 'view-database', 'view-table', 'view-query', 'execute-sql'])

export default definePlugin({
  name: 'public-read',
  hooks: {
    permissionAllowed: ({ action }) => (READ_ACTIONS.has(action) ? true : undefined),
  },
})
