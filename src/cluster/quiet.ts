/**
 * Until the returned function is called, hands the `dataserve: …` notices this process
 * writes to stdout and stderr to `forward` instead; everything else (access log lines,
 * other output) is written as usual. Under `--workers N` every process would print the same
 * startup and reload notices: each forwards them to the primary, which prints each
 * distinct one once (the root login link, which one process prints, still shows).
 */
export function forwardNotices(forward: (stream: 'stdout' | 'stderr', text: string) => void): () => void {
  const streams = [process.stdout, process.stderr] as const
  const originals = streams.map((stream) => stream.write)
  streams.forEach((stream, i) => {
    const write = originals[i]!
    const name = i === 0 ? 'stdout' : 'stderr'
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      if (typeof chunk === 'string' && chunk.startsWith('dataserve:')) {
        forward(name, chunk)
        const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined
        if (callback) queueMicrotask(callback)
        return true
      }
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
    } as typeof stream.write
  })
  return () => streams.forEach((stream, i) => (stream.write = originals[i]!))
}
