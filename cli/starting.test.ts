// Goal: a region that is still recovering answers health as health (503 `starting`, the shape a
// readiness probe reads) and everything else 57P03. Method: the handler `tessera start` serves
// until its region is open, asked as a client would.
import { expect, test } from 'bun:test'
import { startingHandler } from './starting.ts'

test('before the region serves: health is 503 starting, anything else 503 57P03', async () => {
  const serve = startingHandler('us-east-1')
  for (const path of ['/v1/health', '/v1/health?ready=1']) {
    const health = serve(new Request(`http://127.0.0.1:7701${path}`))
    expect(health.status).toBe(503)
    expect(await health.json()).toEqual({ status: 'starting', region: 'us-east-1', openTransactions: 0 })
  }
  const sql = serve(new Request('http://127.0.0.1:7701/v1/sql', { method: 'POST', body: '{"sql": "SELECT 1"}' }))
  expect(sql.status).toBe(503)
  expect(((await sql.json()) as { error: { code: string } }).error.code).toBe('57P03')
})
