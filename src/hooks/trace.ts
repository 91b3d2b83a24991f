import type { HookMonitor } from './types.ts'

const SECRET_KEY = /token|secret|password|authorization|cookie/i

/**
 * A monitor that prints one line per hook call: the hook, the names of its arguments, the
 * implementations that ran, the result (secrets masked, long values cut) and the duration.
 * Enabled by `DATASERVE_TRACE_HOOKS=1`.
 */
export function traceMonitor(write: (line: string) => void = (line) => process.stderr.write(line + '\n')): HookMonitor {
  return {
    after(call, outcome, durationMs) {
      const argNames = Object.keys(call.args).join(', ')
      const impls = call.impls.map((impl) => `${impl.pluginName}${impl.wrapper ? '(wrapper)' : ''}`).join(' > ')
      const result = outcome.ok ? `→ ${summarise(outcome.result)}` : `threw ${summariseError(outcome.error)}`
      write(`[hook] ${call.hookName}({ ${argNames} }) [${impls || 'no implementations'}] ${result} ${durationMs.toFixed(3)}ms`)
    },
  }
}

function summarise(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value, (key, v) => {
      if (key && SECRET_KEY.test(key) && typeof v === 'string') return '***'
      if (typeof v === 'function') return `[function ${v.name || 'anonymous'}]`
      if (v instanceof Map || v instanceof Set) return `[${v.constructor.name}]`
      return v
    }) ?? String(value)
  } catch {
    text = Object.prototype.toString.call(value)
  }
  return text.length > 200 ? text.slice(0, 200) + '…' : text
}

function summariseError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
