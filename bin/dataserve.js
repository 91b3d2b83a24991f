#!/usr/bin/env node
// The dataserve command. dataserve is written in TypeScript and runs through tsx, which also
// lets plugins in --plugins-dir be .ts files.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli.ts')
const code = await main(process.argv.slice(2))
// Let stdout drain before exiting.
process.exitCode = code
if (code !== 0 || process.argv[2] === 'plugins') setImmediate(() => process.exit(code))
