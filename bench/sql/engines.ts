// The two engines bench/sql compares, driven alike: Tessera (a real region in this process, through
// its query processor or its HTTP handler) and PostgreSQL as PGlite (WASM, also in this process).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { SystemClock, SystemRandom } from '../../server/clock/index.ts'
import { NodeDisk, SimDisk } from '../../server/disk/index.ts'
import { SqlTransaction } from '../../server/qp/index.ts'
import { openRegion, type Region } from '../../server/region/index.ts'

export type Row = readonly unknown[]

export interface Statement {
  readonly sql: string
  readonly params: readonly unknown[]
}

/** One engine as the bench drives it: one statement at a time, rows as arrays. */
export interface Engine {
  readonly name: 'tessera' | 'pglite'
  /** How the engine is reached, for the report. */
  readonly how: string
  /** Runs the statements in one transaction (DDL, loading). */
  write(statements: readonly Statement[]): Promise<void>
  /** Runs one read-only query in its own transaction. */
  query(sql: string, params: readonly unknown[]): Promise<readonly Row[]>
  /** The engine's plan for the query, as EXPLAIN lines. */
  plan(sql: string, params: readonly unknown[]): Promise<string[]>
  close(): Promise<void>
}

export interface TesseraOptions {
  /** `qp`: region.qp begin/execute/commit (the engine alone); `http`: region.app.request with JSON. */
  readonly via: 'qp' | 'http'
  /** `mem`: SimDisk and SQLite :memory:; `tmp`: real files in a temp dir. */
  readonly disk: 'mem' | 'tmp'
}

/** A single region with the default journals, shards and limits; auth off. */
export async function openTessera(options: TesseraOptions): Promise<Engine> {
  const dataDir = options.disk === 'tmp' ? mkdtempSync(join(tmpdir(), 'tessera-bench-sql-')) : undefined
  const clock = new SystemClock()
  const region: Region = await openRegion({
    name: 'local',
    ...(dataDir !== undefined && { dataDir }),
    url: 'http://127.0.0.1:1',
    clock,
    timers: clock,
    random: new SystemRandom(),
    disk: dataDir === undefined ? new SimDisk() : new NodeDisk(),
    auth: false,
  })
  const http = async (body: unknown): Promise<{ rows?: Row[] }> => {
    const res = await region.app.request('/v1/sql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const json = (await res.json()) as { rows?: Row[]; error?: unknown }
    if (res.status !== 200) throw new Error(`tessera HTTP ${res.status}: ${JSON.stringify(json.error)}`)
    return json
  }
  const storage = options.disk === 'mem' ? 'SimDisk + SQLite :memory:' : 'files in a temp dir'
  return {
    name: 'tessera',
    how:
      options.via === 'qp'
        ? `in process, region.qp: begin({ readOnly: true }) / execute / commit; ${storage}`
        : `in process, region.app.request('/v1/sql'), JSON in and out; ${storage}`,
    async write(statements) {
      if (options.via === 'http') {
        await http({ statements })
        return
      }
      const tx = await region.qp.begin()
      try {
        for (const s of statements) await tx.execute(s.sql, s.params)
        await tx.commit()
      } finally {
        tx.rollback()
      }
    },
    async query(sql, params) {
      if (options.via === 'http') return (await http({ sql, params, rowMode: 'array' })).rows ?? []
      const tx = await region.qp.begin({ readOnly: true })
      try {
        const result = await tx.execute(sql, params)
        await tx.commit()
        return result.rows
      } finally {
        tx.rollback()
      }
    },
    async plan(sql, params) {
      const tx = await region.qp.begin({ readOnly: true })
      try {
        return tx instanceof SqlTransaction ? tx.explain(sql, params) : ['(no explain)']
      } finally {
        tx.rollback()
      }
    },
    async close() {
      await region.close()
      if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** PostgreSQL in memory. Its driver parses each query every time, as Tessera's HTTP API does. */
export async function openPglite(): Promise<Engine> {
  const db = await PGlite.create()
  const version = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version
  return {
    name: 'pglite',
    how: `in process, PGlite (PostgreSQL ${version ?? '?'}) in memory: db.query(sql, params)`,
    async write(statements) {
      await db.transaction(async (tx) => {
        for (const s of statements) await tx.query(s.sql, s.params as unknown[])
      })
    },
    async query(sql, params) {
      return (await db.query(sql, params as unknown[], { rowMode: 'array' })).rows as Row[]
    },
    async plan(sql, params) {
      const rows = (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${inlineParams(sql, params)}`)).rows
      return rows.map((r) => r['QUERY PLAN'])
    },
    close: () => db.close(),
  }
}

/** EXPLAIN takes no parameters through PGlite's query(): the bench's own values, inlined. */
function inlineParams(sql: string, params: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const v = params[Number(n) - 1]
    return typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`
  })
}
