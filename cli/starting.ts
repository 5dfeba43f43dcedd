// What a region's listener answers before the region serves (API.md "Running"): `tessera start`
// listens first, so the port is held while recovery runs, and answers every request 503 until
// the region is open.
import { errorBody, type HealthResponse } from '../server/api/index.ts'
import { SqlError } from '../server/errors/index.ts'

/** The handler while region `name` recovers: 503 to everything, health in its own shape
 * (`starting`, so a readiness probe or the SDK's `health({ ready: true })` reads it as any other
 * not-ready answer), the rest 57P03. */
export function startingHandler(name: string): (request: Request) => Response {
  return (request) => {
    if (new URL(request.url).pathname === '/v1/health') {
      return Response.json({ status: 'starting', region: name, openTransactions: 0 } satisfies HealthResponse, { status: 503 })
    }
    return Response.json(errorBody(new SqlError('57P03', 'the region is starting')), { status: 503 })
  }
}
