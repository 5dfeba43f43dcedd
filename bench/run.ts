// `npm run bench`: every benchmark, one after another, each in its own process so that one's
// heap and files do not disturb the next. Figures only; nothing here is a test.
// Usage: bun bench/run.ts [adjudicator|e2e ...]
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const benches: Record<string, readonly string[]> = {
  adjudicator: ['bench/adjudicator/run.ts', '--seconds', '2'],
  e2e: ['bench/e2e/run.ts', '--seconds', '5'],
  'long-statement': ['bench/long-statement/run.ts', '--seconds', '4'],
  'crossbar-stalls': ['bench/crossbar-stalls/run.ts'],
  disk: ['bench/disk/run.ts'],
  'multi-region': ['bench/multi-region/run.ts', '--seconds', '10'],
  regex: ['bench/regex/run.ts', '--seconds', '2'],
  sql: ['bench/sql/run.ts', '--seconds', '4'],
  'storage-gc': ['bench/storage-gc/run.ts'],
}
const chosen = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(benches)
const root = join(import.meta.dir, '..')
let failed = 0
for (const name of chosen) {
  const args = benches[name]
  if (args === undefined) {
    console.error(`unknown bench "${name}"; have: ${Object.keys(benches).join(', ')}`)
    process.exit(2)
  }
  console.log(`\n=== bench/${name} ===`)
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
  if (run.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
