// Functions with transaction effects (ARCHITECTURE.md "query processor": bind): sequences
// (nextval, currval, setval, lastval), advisory transaction locks and settings (current_setting,
// set_config). Each acts through the transaction's TxServices (EvalContext.tx).
import type { Datum, SqlType } from './types/index.ts'
import type { FunctionResolver, ResolvedFunction } from './functions.ts'
import type { FunctionApply } from './expr.ts'

const TEXT: SqlType = { kind: 'text' }
const INT8: SqlType = { kind: 'int8' }
const INT4: SqlType = { kind: 'int4' }
const BOOL: SqlType = { kind: 'bool' }

const isTextual = (t: SqlType | undefined) =>
  t !== undefined && (t.kind === 'text' || t.kind === 'varchar' || t.kind === 'unknown')
const isInteger = (t: SqlType | undefined) =>
  t !== undefined &&
  (t.kind === 'int2' || t.kind === 'int4' || t.kind === 'int8' || t.kind === 'unknown')

/** A sequence argument as PostgreSQL's regclass text input reads it: `name`, `"Name"`,
 * `schema.name`; `public.` is dropped (the catalog's names are bare in public). */
export function sequenceName(text: string): string {
  const parts = text
    .split('.')
    .map((p) => (p.startsWith('"') && p.endsWith('"') ? p.slice(1, -1) : p.toLowerCase()))
  if (parts.length === 2 && parts[0] === 'public') return parts[1] as string
  return parts.join('.')
}

function resolved(
  argTypes: readonly SqlType[],
  type: SqlType,
  apply: FunctionApply,
  strict = true,
): ResolvedFunction {
  return { argTypes, type, apply, strict, volatile: true }
}

const nextval: FunctionResolver = (args) =>
  args.length === 1 && isTextual(args[0])
    ? resolved([TEXT], INT8, (a, ctx) => ctx.tx.nextval(sequenceName(a[0] as string)))
    : undefined

const currval: FunctionResolver = (args) =>
  args.length === 1 && isTextual(args[0])
    ? resolved([TEXT], INT8, (a, ctx) => ctx.tx.currval(sequenceName(a[0] as string)))
    : undefined

const lastval: FunctionResolver = (args) =>
  args.length === 0 ? resolved([], INT8, (_a, ctx) => ctx.tx.lastval()) : undefined

const setval: FunctionResolver = (args) => {
  if (!isTextual(args[0]) || !isInteger(args[1])) return undefined
  if (args.length === 2)
    return resolved([TEXT, INT8], INT8, (a, ctx) =>
      ctx.tx.setval(sequenceName(a[0] as string), a[1] as bigint, true),
    )
  if (args.length === 3 && (args[2]?.kind === 'bool' || args[2]?.kind === 'unknown')) {
    return resolved([TEXT, INT8, BOOL], INT8, (a, ctx) =>
      ctx.tx.setval(sequenceName(a[0] as string), a[1] as bigint, a[2] as boolean),
    )
  }
  return undefined
}

/** One bigint key, or two int4 keys (a separate key space, as in PostgreSQL). */
function advisory(result: (locked: true) => Datum, type: SqlType): FunctionResolver {
  return (args) => {
    if (args.length === 1 && isInteger(args[0])) {
      return resolved([INT8], type, (a, ctx) => {
        ctx.tx.advisoryLock([a[0] as bigint])
        return result(true)
      })
    }
    if (args.length === 2 && isInteger(args[0]) && isInteger(args[1])) {
      return resolved([INT4, INT4], type, (a, ctx) => {
        ctx.tx.advisoryLock([a[0] as bigint, a[1] as bigint])
        return result(true)
      })
    }
    return undefined
  }
}

/** pg_advisory_unlock: true when this transaction holds the lock. Its key stays in the commit's
 * conflict check (the lock ends with the transaction either way, so keeping it only adds safety). */
const advisoryUnlock: FunctionResolver = (args) => {
  if (args.length === 1 && isInteger(args[0]))
    return resolved([INT8], BOOL, (a, ctx) => ctx.tx.holdsAdvisoryLock([a[0] as bigint]))
  if (args.length === 2 && isInteger(args[0]) && isInteger(args[1])) {
    return resolved([INT4, INT4], BOOL, (a, ctx) =>
      ctx.tx.holdsAdvisoryLock([a[0] as bigint, a[1] as bigint]),
    )
  }
  return undefined
}

const currentSetting: FunctionResolver = (args) => {
  if (args.length === 1 && isTextual(args[0]))
    return resolved([TEXT], TEXT, (a, ctx) => ctx.tx.requireSetting(a[0] as string))
  if (
    args.length === 2 &&
    isTextual(args[0]) &&
    (args[1]?.kind === 'bool' || args[1]?.kind === 'unknown')
  ) {
    return resolved([TEXT, BOOL], TEXT, (a, ctx) => {
      const name = a[0] as string
      return a[1] === true ? (ctx.tx.setting(name) ?? null) : ctx.tx.requireSetting(name)
    })
  }
  return undefined
}

/** index_job_state(job_id): 'building', 'succeeded', 'failed: <error>' or 'cancelled' (the index
 * was dropped); NULL for no such job (or one forgotten 30 minutes after it ended). */
const indexJobState: FunctionResolver = (args) =>
  args.length === 1 && isTextual(args[0])
    ? resolved([TEXT], TEXT, (a, ctx) => ctx.tx.indexJobState(a[0] as string) ?? null)
    : undefined

const setConfig: FunctionResolver = (args) =>
  args.length === 3 &&
  isTextual(args[0]) &&
  isTextual(args[1]) &&
  (args[2]?.kind === 'bool' || args[2]?.kind === 'unknown')
    ? resolved([TEXT, TEXT, BOOL], TEXT, (a, ctx) =>
        ctx.tx.setSetting(a[0] as string, a[1] as string),
      )
    : undefined

/**
 * Functions with transaction effects, by lowercase name, for the binder's lookup. Advisory locks
 * never wait: the key is checked at commit (40001 for the later of two transactions that took it),
 * so pg_try_advisory_xact_lock always answers true.
 */
export const SCHEMA_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<
  string,
  FunctionResolver
>([
  ['nextval', nextval],
  ['currval', currval],
  ['lastval', lastval],
  ['setval', setval],
  ['pg_advisory_xact_lock', advisory(() => '', TEXT)],
  ['pg_try_advisory_xact_lock', advisory(() => true, BOOL)],
  // A session lasts one transaction (the HTTP API has no other), so session locks are these.
  ['pg_advisory_lock', advisory(() => '', TEXT)],
  ['pg_try_advisory_lock', advisory(() => true, BOOL)],
  ['pg_advisory_unlock', advisoryUnlock],
  [
    'pg_advisory_unlock_all',
    (args) => (args.length === 0 ? resolved([], TEXT, () => '') : undefined),
  ],
  ['current_setting', currentSetting],
  ['index_job_state', indexJobState],
  ['set_config', setConfig],
])
