// The limit flags of `tessera start` (API.md "Limits"), which `tessera cluster` hands on to every
// region: parsed, and checked against what a region can keep, before anything starts.
import type { ApiLimits } from '../server/api/index.ts'
import type { QpLimits } from '../server/qp/index.ts'
import { refusedTxLimits } from '../server/region/index.ts'
import { parseDurationMs } from './args.ts'

/** The flag of each transaction limit a region may refuse. */
const FLAG_OF = { rowsModifiedMax: 'rows-modified-max', txBytesMax: 'tx-bytes-max' } as const

/**
 * The limits `tessera start` takes as flags; unset ones keep the components' defaults. Throws,
 * naming the flag, on a value that is not a positive integer or duration, or that a region cannot
 * keep (a transaction within it would meet the keys limit or the record size first): the caller
 * reports it as bad usage (exit 2), before any file is created.
 */
export function limitsFrom(flags: ReadonlyMap<string, string>): { qp: QpLimits; api: ApiLimits } {
  const count = (name: string) => {
    const text = flags.get(name)
    if (text === undefined) return undefined
    const n = Number(text)
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer, not "${text}"`)
    return n
  }
  const duration = (name: string) => {
    const text = flags.get(name)
    return text === undefined ? undefined : parseDurationMs(text)
  }
  const defined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
  const qp = defined({
    statementTimeoutMs: duration('statement-timeout'),
    rowsModifiedMax: count('rows-modified-max'),
    txBytesMax: count('tx-bytes-max'),
  })
  const refused = refusedTxLimits(qp)[0]
  if (refused !== undefined) {
    throw new Error(`--${FLAG_OF[refused.limit]} ${refused.value} is more than ${refused.max}, the most a region can keep: ${refused.reason}`)
  }
  return {
    qp,
    api: defined({
      bodyBytesMax: count('body-bytes-max'),
      txAgeMsMax: duration('tx-age-max'),
      idleTimeoutMs: duration('idle-timeout'),
    }),
  }
}
