#!/usr/bin/env node
// The `tessera` command: runs the CLI on Bun, which npm installed as a dependency of this package.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const bunPackage = dirname(require.resolve('bun/package.json'))
const bun = join(bunPackage, 'bin', process.platform === 'win32' ? 'bun.exe' : 'bun.exe')
const result = spawnSync(bun, [join(root, 'cli', 'main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
})
process.exit(result.status ?? 1)
