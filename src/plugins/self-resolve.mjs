// Module resolve hook (runs in Node's loader thread, so plain JavaScript): makes `import … from
// 'dataserve'` in a plugin file resolve to the running dataserve, even from a plugins
// directory with no node_modules, and so that plugins share one copy of the core.
let entry

export function initialize(data) {
  entry = data.entry
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'dataserve') return nextResolve(entry, context)
  return nextResolve(specifier, context)
}
