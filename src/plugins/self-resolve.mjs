// Module resolve hook (runs in Node's loader thread, so plain JavaScript).
// - `import … from 'dataserve'` in a plugin resolves to the running dataserve's plugin API
//   (and `dataserve/server` to its server), even from a plugins directory with no
//   node_modules, so every plugin shares one copy of the core.
// - Plugin files are ES modules whatever package.json (or its absence) says: a `.ts` or `.js`
//   file in a directory without `"type": "module"` would otherwise load as CommonJS.
let entry
let server

export function initialize(data) {
  entry = data.entry
  server = data.server
}

const PLUGIN_MARK = 'dataserve-plugin'

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'dataserve') return nextResolve(entry, context)
  if (specifier === 'dataserve/server') return nextResolve(server, context)
  const resolved = await nextResolve(specifier, context)
  if (resolved.url.startsWith('file:') && new URL(resolved.url).searchParams.has(PLUGIN_MARK)) {
    return { ...resolved, format: 'module' }
  }
  return resolved
}
