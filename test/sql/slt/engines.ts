// The databases logic tests run against: Tessera through its HTTP API in process (a fresh
// in-memory region per file), and PGlite (PostgreSQL compiled to WASM) as the reference.
import { PGlite } from '@electric-sql/pglite'
import { SystemClock, SystemRandom } from '../../../server/clock/index.ts'
import { SimDisk } from '../../../server/disk/index.ts'
import { openRegion, type Region } from '../../../server/region/index.ts'
import type { EngineOutcome, SqlEngine } from './runner.ts'
import type { EngineValue } from './render.ts'

/** Tessera as a client sees it: `POST /v1/sql` with `rowMode: 'array'`, auth off. */
export class TesseraEngine implements SqlEngine {
  private constructor(
    readonly name: string,
    readonly region: Region,
  ) {}

  /** A new single region in memory: an empty database. `name` is `tessera` for our own files
   * and `postgresql` for the shared corpus. */
  static async open(name: string, options: { statementTimeoutMs?: number } = {}): Promise<TesseraEngine> {
    const clock = new SystemClock()
    const region = await openRegion({
      name: 'local',
      url: 'http://127.0.0.1:0',
      clock,
      timers: clock,
      random: new SystemRandom(),
      disk: new SimDisk(),
      auth: false,
      journalCount: 1,
      shardCount: 1,
      ...(options.statementTimeoutMs !== undefined && { qp: { statementTimeoutMs: options.statementTimeoutMs } }),
    })
    return new TesseraEngine(name, region)
  }

  async execute(sql: string): Promise<EngineOutcome> {
    const res = await this.region.app.request('/v1/sql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sql, rowMode: 'array' }),
    })
    const body = (await res.json()) as any
    if (res.status !== 200) {
      const error = body?.error
      return { kind: 'error', code: String(error?.code ?? `HTTP${res.status}`), message: String(error?.message ?? '') }
    }
    const rows = (body.rows ?? []) as EngineValue[][]
    return { kind: 'ok', columns: (body.fields ?? []).length, rows, rowCount: Number(body.rowCount ?? 0) }
  }

  close(): Promise<void> {
    return this.region.close()
  }
}

/** int8 as text, like Tessera's wire format, so no value loses precision. */
const PGLITE_PARSERS = { 20: (v: string) => v }

/** PostgreSQL in WASM. One instance is expensive to start (about a second), so files share it
 * and `reset()` empties the database between them. */
export class PgliteEngine implements SqlEngine {
  readonly name: string
  private constructor(
    name: string,
    readonly db: PGlite,
  ) {
    this.name = name
  }

  static async open(name = 'postgresql'): Promise<PgliteEngine> {
    return new PgliteEngine(name, await PGlite.create({ parsers: PGLITE_PARSERS }))
  }

  /** Drops everything a file created: the public schema holds all of it. */
  async reset(): Promise<void> {
    await this.db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
  }

  async execute(sql: string): Promise<EngineOutcome> {
    try {
      const r = await this.db.query<EngineValue[]>(sql, [], { rowMode: 'array' })
      return { kind: 'ok', columns: r.fields.length, rows: r.rows, rowCount: r.affectedRows ?? r.rows.length }
    } catch (e) {
      const err = e as { code?: string; message?: string }
      if (typeof err.code !== 'string') throw e
      return { kind: 'error', code: err.code, message: String(err.message ?? '') }
    }
  }

  close(): Promise<void> {
    return this.db.close()
  }
}
