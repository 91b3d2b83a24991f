import { createHash } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { readFile, realpath } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

/** Quiet time after the last change before the file is read: an editor may write it in parts. */
const SETTLE_MS = 200
/** A slow look as well, for file systems whose change events do not arrive (some mounts). */
const POLL_MS = 5000

/**
 * Calls `changed` whenever the file's content changes: edited in place, replaced by a
 * rename (as editors save), or swapped behind a symlink (as Kubernetes updates a
 * ConfigMap). Both the directory of the path and that of its target are watched, and the
 * content compared, so a save of the same bytes, or a touch, changes nothing.
 */
export async function watchConfigFile(file: string, changed: () => void): Promise<{ close(): void }> {
  const path = resolve(file)
  let last = await digest(path)
  let timer: NodeJS.Timeout | null = null
  let closed = false
  const check = async () => {
    timer = null
    const now = await digest(path)
    // Missing for a moment (mid-rename) is not a change: the next event brings the new file.
    if (closed || now === null || now === last) return
    last = now
    changed()
  }
  const soon = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => void check(), SETTLE_MS)
    timer.unref()
  }
  const dirs = new Set([dirname(path), dirname(await realpath(path).catch(() => path))])
  const watchers: FSWatcher[] = []
  for (const dir of dirs) {
    try {
      // The watcher does not keep the process alive; errors (the directory removed) leave the poll.
      watchers.push(watch(dir, { persistent: false }, soon).on('error', () => {}))
    } catch {
      // Not watchable here: the poll below still notices.
    }
  }
  const poll = setInterval(() => void check(), POLL_MS)
  poll.unref()
  return {
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      clearInterval(poll)
      for (const watcher of watchers) watcher.close()
    },
  }
}

async function digest(path: string): Promise<string | null> {
  try {
    return createHash('sha256').update(await readFile(path)).digest('hex')
  } catch {
    return null
  }
}
