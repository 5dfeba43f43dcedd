#!/usr/bin/env node
// The `tessera` command: runs the CLI on Bun, which npm installs as a dependency of this package.
// Signals are forwarded so SIGTERM reaches the server and it shuts down cleanly; the server's
// runtime settings (server-env.js) are in its environment.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serverEnv } from './server-env.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const bun = join(dirname(require.resolve('bun/package.json')), 'bin', 'bun.exe')
const child = spawn(bun, [join(root, 'cli', 'main.ts'), ...process.argv.slice(2)], { stdio: 'inherit', env: serverEnv(process.env, bun) })
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)))
