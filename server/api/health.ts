// GET /v1/health (API.md "Endpoints"), one answer for a full region and a witness: liveness by
// default, readiness with `?ready=1`.
import type { HealthResponse } from './wire.ts'

/** What a region knows of its own health when asked. */
export interface HealthState {
  readonly region: string
  /** A witness says so (it runs no SQL, so its transactions are always 0). */
  readonly role?: 'witness'
  /** Shutting down: 503 to both forms. */
  readonly closing: boolean
  /** Why it cannot do its part now (unreachable regions, no quorum), or undefined while it can. */
  readonly reason: string | undefined
  readonly openTransactions: number
}

/** The answer (the caller sends it as JSON): 200 while the process serves (liveness), so launchers and tests that wait for a
 * region to come up do not wait for its peers too; the readiness form (`ready` set and not `0` or
 * `false`, for load balancers) answers 503 while `reason` stands. Both bodies say why. */
export function healthAnswer(state: HealthState, ready: string | undefined): { readonly body: HealthResponse; readonly status: 200 | 503 } {
  const reason = state.closing ? undefined : state.reason
  const body: HealthResponse = {
    status: state.closing ? 'closing' : reason === undefined ? 'ok' : 'degraded',
    region: state.region,
    ...(state.role === undefined ? {} : { role: state.role }),
    ...(reason === undefined ? {} : { reason }),
    openTransactions: state.openTransactions,
  }
  const readiness = ready !== undefined && ready !== '0' && ready !== 'false'
  return { body, status: state.closing || (readiness && reason !== undefined) ? 503 : 200 }
}
