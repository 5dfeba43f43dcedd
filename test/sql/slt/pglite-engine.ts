// PostgreSQL as a logic-test engine: PGlite (PostgreSQL compiled to WASM) in this process, the
// reference our own .slt files and the differential tests are checked against.
import { PGlite } from '@electric-sql/pglite'
import type { EngineValue } from './render.ts'
import type { EngineOutcome, SqlEngine } from './runner.ts'

/** Type names by OID, as Tessera reports them (pg_type.typname). */
const TYPE_NAMES: Record<number, string> = {
  16: 'bool',
  17: 'bytea',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  114: 'json',
  700: 'float4',
  701: 'float8',
  1043: 'varchar',
  1082: 'date',
  1114: 'timestamp',
  1184: 'timestamptz',
  1186: 'interval',
  1700: 'numeric',
  2950: 'uuid',
  3802: 'jsonb',
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

  /** Drops everything a file created: the public schema and the schemas it created. */
  async reset(): Promise<void> {
    await this.db.exec(`DO $$
      DECLARE s text;
      BEGIN
        FOR s IN SELECT nspname FROM pg_namespace
          WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'public') LOOP
          EXECUTE format('DROP SCHEMA %I CASCADE', s);
        END LOOP;
      END $$;
      DROP SCHEMA public CASCADE; CREATE SCHEMA public`)
  }

  async execute(sql: string): Promise<EngineOutcome> {
    try {
      const r = await this.db.query<EngineValue[]>(sql, [], { rowMode: 'array' })
      return {
        kind: 'ok',
        columns: r.fields.length,
        rows: r.rows,
        rowCount: r.affectedRows ?? r.rows.length,
        types: r.fields.map((f) => TYPE_NAMES[f.dataTypeID] ?? `oid ${f.dataTypeID}`),
      }
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
