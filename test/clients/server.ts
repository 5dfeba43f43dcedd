// Test server for the client suites: one region in this process, served on 127.0.0.1 like
// `tessera start`, with the SQL fault switch (POST /v1/admin/faults/sql) mounted in front, which
// single-region `tessera start` does not mount. Prints one JSON line: url, user and admin tokens.
//   bun test/clients/server.ts --data DIR
import { listen } from '../../cli/serve.ts'
import { createToken } from '../../server/api/index.ts'
import { SystemClock, SystemRandom } from '../../server/clock/index.ts'
import { NodeDisk } from '../../server/disk/index.ts'
import { openRegion } from '../../server/region/index.ts'
// Reaches past region/index.ts: that index does not export the switch yet (see the report).

const dataIndex = process.argv.indexOf('--data')
const dataDir = dataIndex > 0 ? process.argv[dataIndex + 1] : undefined
if (dataDir === undefined) throw new Error('usage: bun test/clients/server.ts --data DIR')
const clock = new SystemClock()
let serve = (_request: Request): Response | Promise<Response> =>
  new Response('starting', { status: 503 })
const listener = listen((request) => serve(request), 0, '127.0.0.1')
const url = `http://127.0.0.1:${listener.port}`
const region = await openRegion({
  name: 'local',
  dataDir,
  url,
  clock,
  timers: clock,
  random: new SystemRandom(),
  disk: new NodeDisk(),
  auth: true,
  sqlFaults: true,
})
serve = region.app.fetch
const token = createToken(region.secret, { role: 'user', ttlMs: 3_600_000 }, clock)
const adminToken = createToken(region.secret, { role: 'admin', ttlMs: 3_600_000 }, clock)
console.log(JSON.stringify({ url, token, adminToken }))
const stop = async () => {
  await listener.stop()
  await region.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
