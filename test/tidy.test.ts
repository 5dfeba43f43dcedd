// Checks the shape of the tree that STYLE.md promises: components import each other only through
// index.ts, in the allowed direction, and server code reaches time, randomness and I/O only
// through injected interfaces. Method: read every server source file and check its imports and
// banned calls; each rule fails with the offending file and line.
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, dirname, sep } from 'node:path'

const root = resolve(import.meta.dir, '..')
const serverDir = join(root, 'server')

/** Which components each component may import (STYLE.md "Dependency direction"). */
const allowed: Record<string, readonly string[]> = {
  clock: ['errors'],
  net: ['errors', 'clock'],
  disk: ['errors', 'clock'],
  errors: [],
  encoding: ['errors'],
  storage: ['clock', 'disk', 'encoding', 'errors'],
  journal: ['net', 'disk', 'clock', 'errors', 'encoding'],
  adjudicator: ['journal', 'net', 'clock', 'errors', 'encoding'],
  crossbar: ['journal', 'storage', 'clock', 'errors', 'encoding'],
  qp: ['storage', 'adjudicator', 'encoding', 'errors', 'clock'],
  api: ['qp', 'errors', 'clock', 'disk'],
  region: ['api', 'qp', 'adjudicator', 'journal', 'crossbar', 'storage', 'clock', 'net', 'disk', 'errors', 'encoding'],
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path))
    else if (name.endsWith('.ts')) out.push(path)
  }
  return out
}

const isTestFile = (path: string) => /\.(test|prop\.test|contract)\.ts$/.test(path) || /harness/.test(path)
const componentOf = (path: string) => relative(serverDir, path).split(sep)[0] as string
const files = sourceFiles(serverDir)

function importsOf(source: string): string[] {
  const specs: string[] = []
  for (const m of source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)) specs.push(m[1] as string)
  for (const m of source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1] as string)
  return specs
}

describe('tidy: layout and dependency direction', () => {
  test('every component folder is a known component with an index.ts', () => {
    const components = readdirSync(serverDir).filter((n) => statSync(join(serverDir, n)).isDirectory())
    for (const c of components) {
      expect(Object.keys(allowed)).toContain(c)
      expect(statSync(join(serverDir, c, 'index.ts')).isFile()).toBe(true)
    }
  })

  test('components import other components only through index.ts, in the allowed direction', () => {
    const violations: string[] = []
    for (const file of files) {
      if (isTestFile(file)) continue
      const from = componentOf(file)
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue
        const target = resolve(dirname(file), spec)
        if (!target.startsWith(serverDir + sep)) {
          violations.push(`${relative(root, file)} imports outside server/: ${spec}`)
          continue
        }
        const to = componentOf(target)
        if (to === from) continue
        if (!(allowed[from] ?? []).includes(to)) violations.push(`${relative(root, file)}: ${from} may not import ${to}`)
        if (relative(join(serverDir, to), target) !== 'index.ts')
          violations.push(`${relative(root, file)} reaches past ${to}/index.ts: ${spec}`)
      }
    }
    expect(violations).toEqual([])
  })
})

describe('tidy: determinism', () => {
  // Ambient time, randomness, timers and I/O are injected (Clock, Timers, Random, Disk); only the
  // implementations of those interfaces may touch the real ones.
  const banned = [
    /\bDate\.now\(/, /\bperformance\.now\(/, /\bMath\.random\(/, /(?<![.\w])setTimeout\((?!\w+\s*:)/,
    /(?<![.\w])setInterval\(/, /\brandomUUID\(/, /(?<![.\w])fetch\(/, /\bnew WebSocket\(/,
    /\bBun\.(file|write)\(/,
  ]
  const exempt = new Set(['clock/system-clock.ts', 'disk/node-disk.ts'])

  test('server code uses injected clock, timers, randomness and disk', () => {
    const violations: string[] = []
    for (const file of files) {
      const rel = relative(serverDir, file)
      if (isTestFile(file) || exempt.has(rel)) continue
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (/^\s*(\/\/|\*)/.test(line)) return
        for (const re of banned) if (re.test(line)) violations.push(`server/${rel}:${i + 1}: ${line.trim()}`)
      })
    }
    expect(violations).toEqual([])
  })

  test('no skipped, focused or todo tests', () => {
    const all = [...sourceFiles(join(root, 'server')), ...sourceFiles(join(root, 'test'))]
    const found = all.filter((f) => /\b(test|it|describe)\.(skip|only|todo)\(/.test(readFileSync(f, 'utf8')))
    expect(found.map((f) => relative(root, f))).toEqual([])
  })
})
