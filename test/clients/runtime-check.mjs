// Runs the SDK's main paths on another runtime (Node 20+ or Deno) against a real server: plain
// JavaScript, so Node needs no TypeScript. Reads SDK_MODULE (the SDK to import: a bundle for
// Node, the .ts source for Deno), TESSERA_URL, TESSERA_TOKEN, TESSERA_ADMIN_TOKEN; prints one
// JSON line of results; exits 1 on the first failed check.
const env = (name) => (globalThis.Deno ? globalThis.Deno.env.get(name) : globalThis.process.env[name])
const sdk = await import(env('SDK_MODULE'))
const url = env('TESSERA_URL')
const adminToken = env('TESSERA_ADMIN_TOKEN')
const db = sdk.createClient({ url, token: async () => env('TESSERA_TOKEN') })
const results = {}

function check(name, ok, detail) {
  results[name] = ok
  if (!ok) throw new Error(`${name} failed: ${JSON.stringify(detail, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`)
}
async function arm(fault) {
  const r = await fetch(`${url}/v1/admin/faults/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify(fault),
  })
  if (r.status !== 200) throw new Error(`arm: ${r.status}`)
}

const table = `rt_${(globalThis.Deno ? 'deno' : 'node')}_${Date.now() % 100000}`
await db.query(`CREATE TABLE ${table} (id int8 PRIMARY KEY, who text, n int8)`)
const ins = await db.query(`INSERT INTO ${table} VALUES ($1, $2, $3) RETURNING id`, [9007199254740993n, 'x', 1])
check('query with params and bigint', ins.rows[0]?.id === '9007199254740993' && ins.command === 'INSERT', ins)
const tagged = await db.query(sdk.sql`SELECT who FROM ${sdk.sql.ident(table)} WHERE who = ${'x'}`)
check('sql tag', tagged.rows.length === 1 && tagged.rows[0].who === 'x', tagged.rows)
const [a, b] = await db.batch([sdk.sql`INSERT INTO ${sdk.sql.ident(table)} VALUES (${2}, ${'y'}, ${0})`, `SELECT count(*) AS c FROM ${table}`])
check('batch', a.rowCount === 1 && b.rows[0].c === '2', [a, b])
const big = sdk.createClient({ url, token: env('TESSERA_TOKEN'), intMode: 'bigint' })
const r = await big.query(`SELECT id FROM ${table} WHERE id > 100`)
check('intMode bigint', r.rows[0]?.id === 9007199254740993n, r.rows)
const err = await db.query('SELEC 1').catch((e) => e)
check('error decoding', err instanceof sdk.TesseraError && err.code === '42601' && err.status === 400 && !sdk.isRetryable(err), String(err))
await arm({ code: '40001', count: 2, match: `UPDATE ${table}` })
let runs = 0
await db.transaction(async (tx) => {
  runs++
  await tx.query(`UPDATE ${table} SET n = n + 1 WHERE id = 2`)
}, { backoff: { baseMs: 1, maxMs: 5 } })
const n = await db.query(`SELECT n FROM ${table} WHERE id = 2`)
check('transaction retries injected 40001', runs === 3 && n.rows[0].n === '1', { runs, rows: n.rows })
await arm({ code: '40003', count: 1, landed: true })
runs = 0
await db.transaction(async (tx) => {
  runs++
  await tx.query(`INSERT INTO ${table} VALUES (3, 'z', 0)`)
})
check('40003 that landed is not retried', runs === 1, { runs })
const wrapped = new Error('orm', { cause: new sdk.TesseraError({ code: '40001', message: 'c' }) })
check('isRetryable through cause', sdk.isRetryable(wrapped), null)
const controller = new AbortController()
const pending = db.query('SELECT 1', [], { signal: controller.signal })
controller.abort()
const aborted = await pending.then(() => 'resolved', (e) => e?.name)
check('abort', aborted === 'AbortError', aborted)
console.log(JSON.stringify({ runtime: globalThis.Deno ? `deno ${globalThis.Deno.version.deno}` : `node ${globalThis.process.version}`, results }))
