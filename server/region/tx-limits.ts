// The limits of a transaction a region may be configured with (docs/api.md "Limits"): the query
// processor's rows and bytes must be met before the adjudicators' keys limit or the journal's
// record size, so values those cannot hold are refused, never silently capped.
import { KEYS_PER_COMMIT_MAX } from '../adjudicator/index.ts'
import type { QpLimits } from '../qp/index.ts'
import { ROWS_MODIFIED_CONFIG_MAX, TX_BYTES_CONFIG_MAX } from './constants.ts'

/** A configured limit a region cannot keep, and why. */
export interface LimitRefusal {
  readonly limit: 'rowsModifiedMax' | 'txBytesMax'
  readonly value: number
  readonly max: number
  readonly reason: string
}

/** The limits of `limits` above what a region can keep (empty when every one is fine). */
export function refusedTxLimits(limits: QpLimits): LimitRefusal[] {
  const refused: LimitRefusal[] = []
  const { rowsModifiedMax, txBytesMax } = limits
  if (rowsModifiedMax !== undefined && rowsModifiedMax > ROWS_MODIFIED_CONFIG_MAX) {
    refused.push({
      limit: 'rowsModifiedMax',
      value: rowsModifiedMax,
      max: ROWS_MODIFIED_CONFIG_MAX,
      reason: `a commit holds ${KEYS_PER_COMMIT_MAX} keys, and a modified row takes one, and one more for each index entry it writes`,
    })
  }
  if (txBytesMax !== undefined && txBytesMax > TX_BYTES_CONFIG_MAX) {
    refused.push({
      limit: 'txBytesMax',
      value: txBytesMax,
      max: TX_BYTES_CONFIG_MAX,
      reason: 'a larger transaction would not fit a commit record',
    })
  }
  return refused
}
