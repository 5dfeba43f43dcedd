// Waits for storage's frontier (ARCHITECTURE.md step 1, and step 4's wait before an
// acknowledgement), cut short when the region learns that the frontier cannot come in time: a
// region whose closed timestamps it needs went out of reach.
import type { SqlError } from '../errors/index.ts'
import type { SnapshotLossWatch } from './index.ts'

/** `wait`'s end: 'reached' once it resolves, or the region's error (57P03) when `watch` reports a
 * loss first; rejects as `wait` does. Without a watch (one region) it is `wait` itself. */
export function frontierOrLoss(wait: Promise<void>, watch: SnapshotLossWatch | undefined): Promise<'reached' | SqlError> {
  if (watch === undefined) return wait.then(() => 'reached' as const)
  return new Promise((resolve, reject) => {
    let settled = false
    const stop = watch((error) => {
      if (settled) return
      settled = true
      resolve(error)
    })
    wait.then(
      () => {
        stop()
        if (!settled) resolve('reached')
        settled = true
      },
      (error: unknown) => {
        stop()
        if (!settled) reject(error)
        settled = true
      },
    )
  })
}
