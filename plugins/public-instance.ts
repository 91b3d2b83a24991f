// An example permissionAllowed plugin: lets everyone see the instance-level pages
// (/-/plugins.json, /-/versions.json, …) and says nothing about anything else, so every
// other decision is left to the other plugins and the default (deny).
import { definePlugin } from 'dataserve'

export default definePlugin({
  name: 'public-instance',
  hooks: {
    permissionAllowed: ({ action }) => (action === 'view-instance' ? true : undefined),
  },
})
