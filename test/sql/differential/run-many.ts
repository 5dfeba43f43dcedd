// Many differential cases outside CI: collects every disagreement between Tessera and PostgreSQL
// (not only the first), groups them by kind, and writes the smallest example of each as markdown.
//   bun test/sql/differential/run-many.ts [--runs N] [--seed S] [--features a,b|all|ci] [--off a,b] [--out FILE]
import { writeFileSync } from 'node:fs'
import fc from 'fast-check'
import { PgliteEngine } from '../slt/pglite-engine.ts'
import { TesseraEngine } from '../slt/tessera-engine.ts'
import { CI_FEATURES } from './features.ts'
import { ALL_FEATURES, caseArb, type Features } from './generator.ts'
import { describeFinding, runCase, type Finding } from './run-case.ts'

function parseArgs(argv: readonly string[]) {
  const o = {
    runs: 500,
    seed: Date.now() % 1_000_000_000,
    features: { ...CI_FEATURES } as Record<string, boolean>,
    out: '',
  }
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? ''
    switch (argv[i]) {
      case '--runs':
        o.runs = Number(v)
        i++
        break
      case '--seed':
        o.seed = Number(v)
        i++
        break
      case '--out':
        o.out = v
        i++
        break
      case '--features':
        if (v === 'all') o.features = { ...ALL_FEATURES }
        else for (const name of v.split(',')) if (name !== 'ci') o.features[name] = true
        i++
        break
      case '--off':
        for (const name of v.split(',')) o.features[name] = false
        i++
        break
      default:
        throw new Error(`unknown argument ${argv[i]}`)
    }
  }
  for (const name of Object.keys(o.features))
    if (!(name in ALL_FEATURES)) throw new Error(`unknown feature ${name}`)
  return { ...o, features: o.features as unknown as Features }
}

/** Findings of one kind share the message with numbers and quoted names blanked. */
function kindOf(f: Finding): string {
  return f.what
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\[.*$/, '[…]')
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .slice(0, 120)
}

const args = parseArgs(process.argv.slice(2))
const [tessera, postgres] = await Promise.all([TesseraEngine.open('tessera'), PgliteEngine.open()])
const kinds = new Map<string, { count: number; smallest: Finding }>()
let cases = 0
let queries = 0
const started = performance.now()
for (const c of fc.sample(caseArb('m', args.features), { seed: args.seed, numRuns: args.runs })) {
  cases++
  queries += c.queries.length
  for (const f of await runCase(c, tessera, postgres)) {
    const k = kindOf(f)
    const entry = kinds.get(k)
    const size = f.sql.length + f.setup.join('').length
    if (entry === undefined) kinds.set(k, { count: 1, smallest: f })
    else {
      entry.count++
      if (size < entry.smallest.sql.length + entry.smallest.setup.join('').length)
        entry.smallest = f
    }
  }
}
await Promise.all([tessera.close(), postgres.close()])
const on = Object.entries(args.features)
  .filter(([, v]) => v)
  .map(([k]) => k)
const lines = [
  `# Differential run: seed ${args.seed}, ${cases} cases, ${queries} queries, ${((performance.now() - started) / 1000).toFixed(1)} s`,
  '',
  `Features on: ${on.join(', ')}`,
  '',
  `${kinds.size} kinds of difference${kinds.size === 0 ? '.' : ' (count, then the smallest example):'}`,
  '',
]
for (const [k, { count, smallest }] of [...kinds.entries()].sort(
  (a, b) => b[1].count - a[1].count,
)) {
  lines.push(`### ${count} × ${k}`, '', describeFinding(smallest), '')
}
const text = `${lines.join('\n')}\n`
if (args.out !== '') writeFileSync(args.out, text)
console.log(text)
