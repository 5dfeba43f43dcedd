// Data-modifying statements in WITH (ARCHITECTURE.md step 3): the INSERT, UPDATE and DELETE items
// of a statement's own WITH are parts of the statement, each run once, to completion, around its
// main statement; their RETURNING rows are the items' rows.
import type { CommonTableExpr, Node } from 'libpg-query'
import { assert, featureNotSupported } from '../errors/index.ts'
import type { SqlType } from './types/index.ts'
import { planDelete, planInsert, planUpdate, runDmlPart, type DmlResult } from './dml.ts'
import { runSelectPausing, type ExecContext, type Turn } from './executor.ts'
import type { CteInfo } from './from.ts'
import type { ParseCache } from './parser.ts'
import type { DeletePlan, InsertPlan, ModifyingPart, ModifyingWithPlan, SelectPlan, UpdatePlan } from './planner.ts'
import { cteNames, type BindEnv, type ModifyingItems } from './select.ts'
import { settledTypes } from './from.ts'
import { DeferredChecks, type WriteSink } from './table-writer.ts'
import { whenDone } from './when-done.ts'

type DmlPlan = InsertPlan | UpdatePlan | DeletePlan

/** Whose references are being bound: the main statement's. */
const MAIN = 0

/**
 * Collects the data-modifying items of one statement's WITH while it is bound, and which CTE
 * reads which (`within`, `read`): the top-level CTEs and the main statement form a graph whose
 * edges are the references, from which `plan` orders the items.
 */
export class ModifyingWith implements ModifyingItems {
  readonly #env: BindEnv
  readonly #parts: ModifyingPart[] = []
  /** CTE id (MAIN for the main statement) -> the top-level CTEs its binding referred to. */
  readonly #reads = new Map<number, Set<number>>()
  #current = MAIN

  constructor(env: BindEnv) {
    this.#env = env
  }

  add(cte: CommonTableExpr, id: number, ctes: ReadonlyMap<string, CteInfo>): CteInfo {
    const name = cte.ctename ?? ''
    const plan = planPart(this.#env, cte.ctequery as Node, ctes)
    this.#parts.push({ cteId: id, name, plan })
    const returning = plan.returning
    if (returning === undefined) {
      return { def: undefined, work: undefined, names: [], types: [], name, returnsNothing: true }
    }
    const types: SqlType[] = settledTypes(returning.outputs.map((e) => this.#env.binder.outputType(e)))
    const width = types.length
    return {
      def: { id, name, width, rel: { kind: 'returned', width, cteId: id }, recursive: undefined },
      work: undefined,
      names: cteNames(cte, returning.names),
      types,
      name,
    }
  }

  within<T>(id: number, bind: () => T): T {
    assert(id !== MAIN, 'CTE ids start at 1')
    const outer = this.#current
    this.#current = id
    try {
      return bind()
    } finally {
      this.#current = outer
    }
  }

  read(id: number): void {
    let reads = this.#reads.get(this.#current)
    if (reads === undefined) {
      reads = new Set()
      this.#reads.set(this.#current, reads)
    }
    reads.add(id)
  }

  /** The statement to run: `main` itself when its WITH modifies nothing. */
  plan(main: SelectPlan | DmlPlan): SelectPlan | DmlPlan | ModifyingWithPlan {
    if (this.#parts.length === 0) return main
    const read = this.#reachable(MAIN)
    const before = this.#parts.filter((p) => read.has(p.cteId))
    const placed = new Set(before.map((p) => p.cteId))
    const after: ModifyingPart[] = []
    // Bounded: each part is placed once, and recursion follows references to parts bound
    // earlier only.
    const place = (part: ModifyingPart): void => {
      if (placed.has(part.cteId)) return
      placed.add(part.cteId)
      const needs = this.#reachable(part.cteId)
      for (const p of this.#parts) if (needs.has(p.cteId)) place(p)
      after.push(part)
    }
    for (const part of [...this.#parts].reverse()) place(part)
    return { kind: 'modifyingWith', before, main, after }
  }

  /** The CTEs `from` reads, directly or through other CTEs. */
  #reachable(from: number): Set<number> {
    const seen = new Set<number>()
    const stack = [from]
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      for (const next of this.#reads.get(id) ?? []) {
        if (seen.has(next)) continue
        seen.add(next)
        stack.push(next)
      }
    }
    return seen
  }
}

/** Binds a data-modifying item's statement: it sees the CTEs before it; a WITH of its own is
 * nested, so it may not modify (0A000). */
function planPart(env: BindEnv, stmt: Node, ctes: ReadonlyMap<string, CteInfo>): DmlPlan {
  const outer = { ctes, modifying: undefined }
  if ('InsertStmt' in stmt) return planInsert(env, stmt.InsertStmt, outer)
  if ('UpdateStmt' in stmt) return planUpdate(env, stmt.UpdateStmt, outer)
  if ('DeleteStmt' in stmt) return planDelete(env, stmt.DeleteStmt, outer)
  throw featureNotSupported(`${Object.keys(stmt)[0]?.replace(/Stmt$/, '').toUpperCase() ?? 'this statement'} in WITH`)
}

/** Where a statement's parts write: the transaction's buffer, through its limits. */
export interface PartsSink {
  readonly sink: WriteSink
  readonly parse: ParseCache
}

/**
 * Runs a statement with data-modifying WITH items into the write buffer: the items the main
 * statement reads, the main statement, the other items. Every part reads the transaction as the
 * statement began (`ctx` reads through the statement's view), so none sees another's changes,
 * only RETURNING rows; the checks PostgreSQL makes at the end of a statement (foreign keys, their
 * actions) run once all are done. Answers what the main statement gave (for a SELECT, its rows
 * as `returned`).
 */
export function runModifyingWith(ctx: ExecContext, to: PartsSink, plan: ModifyingWithPlan, turn: Turn): DmlResult | Promise<DmlResult> {
  const deferred = new DeferredChecks()
  const target = { ...to, deferred }
  let result: DmlResult | undefined
  const part = (p: ModifyingPart) => () =>
    whenDone(runDmlPart(ctx, { ...target, returned: 'held' }, p.plan, turn), (out) => ctx.setReturned(p.cteId, out.returned))
  const main = () => {
    const m = plan.main
    const ran: DmlResult | Promise<DmlResult> =
      m.kind === 'select'
        ? whenDone(runSelectPausing(ctx, m, turn), (rows) => ({ count: rows.length, returned: rows }))
        : runDmlPart(ctx, { ...target, returned: 'result' }, m, turn)
    return whenDone(ran, (out) => {
      result = out
    })
  }
  const steps = [...plan.before.map(part), main, ...plan.after.map(part)]
  return whenDone(inOrder(steps, 0), () => {
    deferred.run()
    assert(result !== undefined, 'the main statement ran')
    return result
  })
}

/** Runs `steps` one after the other, each once the one before is done. */
function inOrder(steps: readonly (() => void | Promise<void>)[], from: number): void | Promise<void> {
  for (let i = from; i < steps.length; i++) {
    const ran = (steps[i] as () => void | Promise<void>)()
    if (ran instanceof Promise) return ran.then(() => inOrder(steps, i + 1))
  }
}
