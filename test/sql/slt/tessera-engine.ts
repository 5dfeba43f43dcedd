// Tessera as a logic-test engine: its HTTP API in process, a fresh in-memory region per file.
import { SystemClock, SystemRandom } from '../../../server/clock/index.ts'
import { SimDisk } from '../../../server/disk/index.ts'
import { openRegion, type Region } from '../../../server/region/index.ts'
import type { EngineValue } from './render.ts'
import type { EngineOutcome, SqlEngine } from './runner.ts'

/** Tessera as a client sees it: `POST /v1/sql` with `rowMode: 'array'`, auth off. */
export class TesseraEngine implements SqlEngine {
  private constructor(
    readonly name: string,
    readonly region: Region,
  ) {}

  /** A new single region in memory: an empty database. `name` is `tessera` for our own files
   * and `postgresql` for the shared corpus. */
  static async open(
    name: string,
    options: { statementTimeoutMs?: number } = {},
  ): Promise<TesseraEngine> {
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
      ...(options.statementTimeoutMs !== undefined && {
        qp: { statementTimeoutMs: options.statementTimeoutMs },
      }),
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
      return {
        kind: 'error',
        code: String(error?.code ?? `HTTP${res.status}`),
        message: String(error?.message ?? ''),
      }
    }
    const rows = (body.rows ?? []) as EngineValue[][]
    const fields = (body.fields ?? []) as { type: string }[]
    return {
      kind: 'ok',
      columns: fields.length,
      rows,
      rowCount: Number(body.rowCount ?? 0),
      types: fields.map((f) => f.type),
    }
  }

  close(): Promise<void> {
    return this.region.close()
  }
}
