// Cost of a hook call: ns per call for a 3-implementation hook, a 3-implementation
// first-result hook and a wrapper around 3 implementations, each beside a baseline of
// direct function calls doing the same work, measured in the same run.
// Run: npm run bench:hooks
import { pluginDefiner } from '../src/define-plugin.ts'
import { PluginManager } from '../src/hooks/manager.ts'
import type { FirstResultHook, Hook, SpecOptionsMap } from '../src/hooks/types.ts'

interface Specs {
  all: Hook<{ x: number }, number>
  first: FirstResultHook<{ x: number }, number>
  wrapped: Hook<{ x: number }, number>
}
const specs: SpecOptionsMap<Specs> = { all: { args: ['x'] }, first: { args: ['x'], firstResult: true }, wrapped: { args: ['x'] } }
const define = pluginDefiner<Specs>()
const pm = new PluginManager<Specs>(specs)

const f1 = ({ x }: { x: number }) => x + 1
const f2 = ({ x }: { x: number }) => x + 2
const f3 = ({ x }: { x: number }) => x + 3
const none = (_: { x: number }) => null
for (const [i, fn] of [f1, f2, f3].entries()) {
  pm.register(define({ name: `p${i}`, hooks: { all: fn, wrapped: fn, first: i === 0 ? fn : none } }))
}
pm.register(define({ name: 'wrapper', hooks: { wrapped: { wrapper: (_args, next) => next() } } }))

// Baselines: the same work written by hand.
const direct3 = (args: { x: number }) => {
  const out: number[] = []
  for (const fn of [f3, f2, f1]) {
    const r = fn(args)
    if (r != null) out.push(r)
  }
  return out
}
const directFirst = (args: { x: number }) => none(args) ?? none(args) ?? f1(args)
const directWrapped = (args: { x: number }) => ((next: () => number[]) => next())(() => direct3(args))

function measure(fn: (args: { x: number }) => unknown, iterations: number): number {
  let sink = 0
  const started = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) {
    const r = fn({ x: i }) as number[] | number
    sink += Array.isArray(r) ? r.length : r
  }
  const ns = Number(process.hrtime.bigint() - started) / iterations
  if (sink === -1) console.log('unreachable')
  return ns
}

const cases: [string, (a: { x: number }) => unknown, (a: { x: number }) => unknown][] = [
  ['3-impl hook', (a) => pm.hook.all(a), direct3],
  ['3-impl firstResult hook (answer from the last)', (a) => pm.hook.first(a), directFirst],
  ['wrapper + 3-impl hook', (a) => pm.hook.wrapped(a), directWrapped],
]

const ROUNDS = 9
const ITERATIONS = 1_000_000
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
for (const [, hook, direct] of cases) measure(hook, 200_000), measure(direct, 200_000) // warm up
console.log(`node ${process.version}, ${ROUNDS} rounds × ${ITERATIONS.toLocaleString()} calls; median (min–max) ns per call\n`)
for (const [label, hook, direct] of cases) {
  const hookNs: number[] = []
  const directNs: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    hookNs.push(measure(hook, ITERATIONS))
    directNs.push(measure(direct, ITERATIONS))
  }
  const range = (v: number[]) => `${median(v).toFixed(1)} (${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)})`
  console.log(`${label.padEnd(48)} hook ${range(hookNs).padEnd(22)} direct ${range(directNs).padEnd(22)} overhead ×${(median(hookNs) / median(directNs)).toFixed(2)}`)
}
