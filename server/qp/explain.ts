// EXPLAIN (ARCHITECTURE.md step 2, planning): its options as PostgreSQL reads them, and what
// EXPLAIN ANALYZE adds to the plan's lines once the statement ran (executor.ts PlanStats).
import type { Node } from 'libpg-query'
import { featureNotSupported, invalidParameterValue, syntaxError } from '../errors/index.ts'
import type { PlanStats } from './executor.ts'
import type { ExplainNote } from './planner.ts'

/** The options that change what Tessera's EXPLAIN does; the others are accepted and ignored. */
export interface ExplainOptions {
  /** Run the statement (its writes too) and show what each node produced. */
  readonly analyze: boolean
  /** Per-node times (ANALYZE only). */
  readonly timing: boolean
  /** The Planning Time and Execution Time lines. */
  readonly summary: boolean
}

/** Options PostgreSQL 17 takes as Booleans that change nothing Tessera prints: VERBOSE's output
 * lists, COSTS (Tessera estimates none), BUFFERS, WAL, SETTINGS, MEMORY, GENERIC_PLAN. */
const IGNORED = new Set(['verbose', 'costs', 'buffers', 'wal', 'settings', 'memory', 'generic_plan'])

/**
 * Reads EXPLAIN's option list as PostgreSQL does: 42601 for an unknown option or a Boolean one
 * given something else, 22023 for a bad FORMAT or SERIALIZE value and for options that need
 * ANALYZE; 0A000 for FORMAT JSON, XML and YAML, which Tessera does not print. `position` maps a
 * parse location to the statement's position for the error.
 */
export function explainOptions(options: readonly Node[], position: (location: number | undefined) => number | undefined): ExplainOptions {
  const set = new Map<string, boolean>()
  for (const node of options) {
    if (!('DefElem' in node)) throw syntaxError('unrecognized EXPLAIN option')
    const { defname = '', arg, location } = node.DefElem
    if (defname === 'format') {
      const format = textArg(defname, arg)
      if (format === 'json' || format === 'xml' || format === 'yaml') throw featureNotSupported(`EXPLAIN (FORMAT ${format.toUpperCase()})`, position(location))
      if (format !== 'text') throw invalidParameterValue(`unrecognized value for EXPLAIN option "format": "${format}"`).withPosition(position(location))
    } else if (defname === 'serialize') {
      const mode = arg === undefined ? 'text' : textArg(defname, arg)
      if (mode !== 'none' && mode !== 'text' && mode !== 'binary') {
        throw invalidParameterValue(`unrecognized value for EXPLAIN option "serialize": "${mode}"`).withPosition(position(location))
      }
      set.set(defname, mode !== 'none')
    } else if (defname === 'analyze' || defname === 'timing' || defname === 'summary' || IGNORED.has(defname)) {
      set.set(defname, booleanArg(defname, arg))
    } else throw syntaxError(`unrecognized EXPLAIN option "${defname}"`, position(location))
  }
  const analyze = set.get('analyze') ?? false
  // PostgreSQL refuses options that only mean something while the statement runs.
  for (const name of ['wal', 'timing', 'serialize']) {
    if (set.get(name) === true && !analyze) throw invalidParameterValue(`EXPLAIN option ${name.toUpperCase()} requires ANALYZE`)
  }
  if (analyze && set.get('generic_plan') === true) throw invalidParameterValue('EXPLAIN options ANALYZE and GENERIC_PLAN cannot be used together')
  return { analyze, timing: analyze && (set.get('timing') ?? true), summary: set.get('summary') ?? analyze }
}

/** An option's Boolean as PostgreSQL's defGetBoolean reads it: none is true; 0 or 1; true,
 * false, on or off in any case. */
function booleanArg(name: string, arg: Node | undefined): boolean {
  if (arg === undefined) return true
  if ('Integer' in arg) {
    const n = arg.Integer.ival ?? 0
    if (n === 0 || n === 1) return n === 1
  } else if ('String' in arg) {
    const word = (arg.String.sval ?? '').toLowerCase()
    if (word === 'true' || word === 'on') return true
    if (word === 'false' || word === 'off') return false
  }
  throw syntaxError(`${name} requires a Boolean value`)
}

function textArg(name: string, arg: Node | undefined): string {
  if (arg !== undefined && 'String' in arg) return (arg.String.sval ?? '').toLowerCase()
  throw syntaxError(`${name} requires a parameter`)
}

/** The `(actual ...)` each node's line ends with, as PostgreSQL 17 prints it without costs:
 * times and rows are per loop (averages), a node that never ran says so. */
export function analyzeNote(stats: PlanStats, timing: boolean): ExplainNote {
  return (node) => {
    const s = stats.of(node)
    if (s === undefined || s.loops === 0) return ' (never executed)'
    const perLoop = (n: number) => n / s.loops
    const time = timing ? `time=${ms(perLoop(s.startupMs))}..${ms(perLoop(s.totalMs))} ` : ''
    return ` (actual ${time}rows=${wholeRows(perLoop(s.rows))} loops=${s.loops})`
  }
}

/** The summary lines: planning, and execution when the statement ran. */
export function summaryLines(planningMs: number, executionMs: number | undefined): string[] {
  const lines = [`Planning Time: ${ms(planningMs)} ms`]
  if (executionMs !== undefined) lines.push(`Execution Time: ${ms(executionMs)} ms`)
  return lines
}

const ms = (n: number) => Math.max(0, n).toFixed(3)

/** Rows per loop as PostgreSQL 17 prints them (C's `%.0f`): to the nearest whole number, a half
 * to the even one, so 1 row over 2 loops is 0 and 3 over 2 is 2. */
export function wholeRows(n: number): number {
  const down = Math.floor(n)
  const fraction = n - down
  if (fraction !== 0.5) return Math.round(n)
  return down % 2 === 0 ? down : down + 1
}
