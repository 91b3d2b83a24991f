// Entry of the managed-token writer thread. Plain JavaScript: a worker thread does not
// inherit the TypeScript loader that bin/dataserve.js registered on the main thread, so it
// registers its own, then runs writer-thread.ts.
import { register } from 'tsx/esm/api'

register()
await import('./writer-thread.ts')
