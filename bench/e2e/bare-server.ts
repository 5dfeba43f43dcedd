// The ceiling for bench/e2e: a bare Hono route on the same runtime that does what every Tessera
// request must do at least (check a bearer header, parse the JSON body, answer a JSON Result),
// and nothing else.
import { Hono } from 'hono'
import { listen } from '../../cli/serve.ts'

const app = new Hono()
app.post('/v1/sql', async (c) => {
  if (!c.req.header('authorization')?.startsWith('Bearer ')) return c.json({ error: 'no token' }, 401)
  const body = (await c.req.json()) as { sql: string; params?: unknown[] }
  return c.json({ command: 'SELECT', rowCount: 1, fields: [{ name: 'v', type: 'text' }], rows: [{ v: String(body.params?.[0] ?? body.sql.length) }] })
})
const listener = listen(app.fetch, 0, '127.0.0.1')
console.log(`serving at http://127.0.0.1:${listener.port}`)
