// The plugin API is a line the built-ins do not cross: each imports the plugin API
// (src/plugin-api.ts) and files of its own folder, nothing else. And no module of src/ is
// part of a runtime import cycle. Both read the import statements of the files themselves.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { REPO } from './helpers.ts'

const SRC = join(REPO, 'src')
const BUILTINS = join(SRC, 'builtins')
const API = join(SRC, 'plugin-api.ts')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : /\.(ts|tsx|mts|mjs|js)$/.test(name) ? [path] : []
  })
}

interface Reference {
  specifier: string
  /** Erased at run time: `import type`, `export type`, or only `type` names. */
  typeOnly: boolean
  /** `new URL('./child.mjs', import.meta.url)`: the entry of another process or thread, not an import. */
  entry?: boolean
}

/** Every module a file refers to: static imports and re-exports, dynamic imports, `new URL(…, import.meta.url)`. */
function references(path: string): Reference[] {
  const text = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '')
  const found: Reference[] = []
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^'"`;]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    const names = m[3]!
    const onlyTypeNames = /^\{[^}]*\}$/.test(names.trim()) && names.replace(/[{}]/g, '').split(',').map((n) => n.trim()).filter(Boolean).every((n) => n.startsWith('type '))
    found.push({ specifier: m[4]!, typeOnly: !!m[2] || onlyTypeNames })
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push({ specifier: m[1]!, typeOnly: false })
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ specifier: m[1]!, typeOnly: false })
  for (const m of text.matchAll(/new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)) found.push({ specifier: m[1]!, typeOnly: false, entry: true })
  return found
}

describe('the plugin API', () => {
  it('every file under src/builtins imports only the plugin API and files of its own plugin folder', () => {
    const crossings: string[] = []
    for (const path of files(BUILTINS)) {
      // builtins/index.ts lists the plugins: its folder is builtins/ itself.
      const folder = dirname(path) === BUILTINS ? BUILTINS : join(BUILTINS, relative(BUILTINS, path).split('/')[0]!)
      for (const { specifier } of references(path)) {
        if (!specifier.startsWith('.')) continue // node: modules and npm packages
        const target = resolve(dirname(path), specifier.split('?')[0]!)
        if (target === API || target.startsWith(folder + '/')) continue
        crossings.push(`${relative(REPO, path)} imports ${specifier}`)
      }
    }
    assert.deepEqual(crossings, [])
  })

  it('no module of src/ is part of a runtime import cycle', () => {
    const graph = new Map<string, string[]>()
    for (const path of files(SRC)) {
      graph.set(
        path,
        references(path)
          .filter((ref) => !ref.typeOnly && !ref.entry && ref.specifier.startsWith('.'))
          .map((ref) => resolve(dirname(path), ref.specifier.split('?')[0]!)),
      )
    }
    const cycles: string[] = []
    const state = new Map<string, 'visiting' | 'done'>()
    const stack: string[] = []
    const visit = (node: string) => {
      if (state.get(node) === 'done') return
      if (state.get(node) === 'visiting') {
        cycles.push(stack.slice(stack.indexOf(node)).concat(node).map((p) => relative(SRC, p)).join(' → '))
        return
      }
      state.set(node, 'visiting')
      stack.push(node)
      for (const next of graph.get(node) ?? []) visit(next)
      stack.pop()
      state.set(node, 'done')
    }
    for (const node of graph.keys()) visit(node)
    assert.deepEqual(cycles, [])
  })

  it("the package's main entry is the plugin API, and embedding programs have dataserve/server", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'))
    assert.equal(pkg.exports['.'], './src/plugin-api.ts')
    assert.equal(pkg.exports['./server'], './src/server.ts')
  })

  it('every value the plugin API exports is documented in docs/plugins.md', async () => {
    const api = await import('../src/plugin-api.ts')
    const docs = readFileSync(join(REPO, 'docs', 'plugins.md'), 'utf8')
    assert.deepEqual(Object.keys(api).filter((name) => !docs.includes(name)), [])
  })
})
