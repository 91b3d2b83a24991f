import { startServer, type RunningServer, type ServeOptions } from '../server.ts'
import { pluginSummary, startupProblem } from '../startup-report.ts'
import { WorkerLink } from './worker-link.ts'

/**
 * One server process of `dataserve --workers N`: serves as `dataserve` alone would, with
 * what the primary says to share (secret, internal database, port), and leaves signals to
 * the primary — SIGTERM (which the primary sends) drains it; Ctrl-C's SIGINT and SIGHUP,
 * which reach every process of the terminal's group, are the primary's to act on.
 */
export async function serveInGroup(options: ServeOptions): Promise<number> {
  const link = await WorkerLink.join()
  const { hello } = link
  const speak = link.forwardNotices('startup')
  let running: RunningServer
  try {
    running = await startServer({
      ...options,
      internal: hello.internal,
      secret: hello.secret === null ? options.secret : [hello.secret],
      port: hello.port,
      watchConfig: false,
      group: link,
    })
  } catch (error) {
    await link.failedToStart(startupProblem(error, options))
    return 1
  } finally {
    speak()
  }
  const stopped = new Promise<number>((resolve) => {
    // Once: systemd (KillMode=control-group) and `timeout` signal every process and the
    // primary passes SIGTERM on too; the drain is bounded by close()'s grace anyway.
    let stopping = false
    const stop = () => {
      if (stopping) return
      stopping = true
      void running.close().then(() => resolve(0))
    }
    process.on('SIGTERM', stop)
    // The primary is gone (killed): nobody will restart or stop this process; finish and go.
    process.on('disconnect', stop)
  })
  process.on('SIGINT', () => {})
  process.on('SIGHUP', () => {})
  link.ready({ url: running.url, plugins: pluginSummary(running.ds.plugins.listPlugins()), databases: running.ds.databases.size })
  const code = await stopped
  // The channel to the primary would keep this process alive.
  if (process.connected) process.disconnect()
  setTimeout(() => process.exit(code), 1000).unref()
  return code
}
