// A stand-in query processor for tests of API-only behaviour (sessions, serialization, shapes):
// a tiny command language over a key-value map with snapshot isolation and first-committer-wins.
// SQL semantics are tested over a real region in api-region.test.ts, never here.
import {
  AssertionError,
  SqlError,
  inFailedTransaction,
  serializationFailure,
} from '../errors/index.ts'
import type { QueryProcessor, Result, Transaction, TransactionStatus } from '../qp/index.ts'

/**
 * Commands: `ROWS n` (n rows of id int8, name text), `DUP` (two columns named a), `ECHO` (the
 * params as one text row), `PUT k v`, `GET k`, `WAIT name` (until `release(name)`), `FAIL code`,
 * `BOOM` (an assertion failure). Every start and end of a statement is appended to `log`.
 */
export class FakeQp implements QueryProcessor {
  readonly log: string[] = []
  readonly #versions = new Map<string, { value: string; commitTs: number }[]>()
  readonly #gates = new Map<string, () => void>()
  readonly #waiting = new Map<string, Promise<void>>()
  #ts = 0
  /** When set, the next commit throws this instead of committing. */
  nextCommitError: SqlError | undefined
  begun = 0

  async begin(options?: { readonly readOnly?: boolean }): Promise<Transaction> {
    this.begun++
    return new FakeTransaction(this, `t${this.begun}`, ++this.#ts, options?.readOnly ?? false)
  }

  /** Lets every `WAIT name` statement finish. */
  release(name: string): void {
    this.#gate(name)
    ;(this.#gates.get(name) as () => void)()
  }

  gate(name: string): Promise<void> {
    return this.#gate(name)
  }

  #gate(name: string): Promise<void> {
    let p = this.#waiting.get(name)
    if (p === undefined) {
      p = new Promise<void>((resolve) => this.#gates.set(name, resolve))
      this.#waiting.set(name, p)
    }
    return p
  }

  read(key: string, startTs: number): string | undefined {
    const versions = this.#versions.get(key) ?? []
    return versions.filter((v) => v.commitTs <= startTs).at(-1)?.value
  }

  commitWrites(startTs: number, writes: ReadonlyMap<string, string>): number {
    if (this.nextCommitError !== undefined) {
      const e = this.nextCommitError
      this.nextCommitError = undefined
      throw e
    }
    for (const key of writes.keys()) {
      const last = this.#versions.get(key)?.at(-1)
      if (last !== undefined && last.commitTs > startTs) throw serializationFailure('OC000', key)
    }
    const commitTs = ++this.#ts
    for (const [key, value] of writes) {
      const list = this.#versions.get(key) ?? []
      list.push({ value, commitTs })
      this.#versions.set(key, list)
    }
    return commitTs
  }
}

class FakeTransaction implements Transaction {
  readonly #qp: FakeQp
  readonly #writes = new Map<string, string>()
  status: TransactionStatus = 'open'

  constructor(
    qp: FakeQp,
    readonly id: string,
    readonly startTs: number,
    readonly readOnly: boolean,
  ) {
    this.#qp = qp
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<Result> {
    if (this.status === 'failed') throw inFailedTransaction()
    if (this.status !== 'open') throw new AssertionError(`execute on ${this.status} transaction`)
    const [command = '', a = '', b = ''] = sql.trim().split(/\s+/)
    this.#qp.log.push(`start ${this.id} ${sql}`)
    try {
      return await this.#run(command.toUpperCase(), a, b, params)
    } catch (e) {
      this.status = 'failed'
      throw e
    } finally {
      this.#qp.log.push(`end ${this.id} ${sql}`)
    }
  }

  async #run(command: string, a: string, b: string, params: readonly unknown[]): Promise<Result> {
    const text = (name: string) => ({ name, type: 'text' })
    switch (command) {
      case 'ROWS': {
        const rows = Array.from({ length: Number(a) }, (_, i) => [String(i + 1), `r${i + 1}`])
        return {
          command: 'SELECT',
          rowCount: rows.length,
          fields: [{ name: 'id', type: 'int8' }, text('name')],
          rows,
        }
      }
      case 'DUP':
        return {
          command: 'SELECT',
          rowCount: 1,
          fields: [{ name: 'a', type: 'int4' }, text('a')],
          rows: [[1, 'x']],
        }
      case 'ECHO':
        return {
          command: 'SELECT',
          rowCount: 1,
          fields: params.map((_, i) => text(`p${i + 1}`)),
          rows: [params.map((p) => (p === undefined ? null : (p as string)))],
        }
      case 'PUT':
        if (this.readOnly)
          throw new SqlError('25006', 'cannot execute PUT in a read-only transaction')
        this.#writes.set(a, b)
        return { command: 'INSERT', rowCount: 1, fields: [], rows: [] }
      case 'GET': {
        const value = this.#writes.get(a) ?? this.#qp.read(a, this.startTs) ?? null
        return { command: 'SELECT', rowCount: 1, fields: [text('v')], rows: [[value]] }
      }
      case 'WAIT':
        await this.#qp.gate(a)
        return { command: 'SELECT', rowCount: 0, fields: [], rows: [] }
      case 'FAIL':
        throw new SqlError(a as '42601', 'failed on purpose', { position: 3 })
      case 'BOOM':
        throw new AssertionError('secret internals at /home/x')
      default:
        throw new SqlError('42601', `syntax error at or near "${command}"`, { position: 1 })
    }
  }

  run(sql: string, params: readonly unknown[] = []): Promise<Result> {
    return this.execute(sql, params)
  }

  commitNow(): Promise<{ readonly commitTs: number }> {
    return this.commit()
  }

  async commit(): Promise<{ readonly commitTs: number }> {
    if (this.status === 'failed') {
      this.status = 'aborted'
      throw inFailedTransaction()
    }
    try {
      const commitTs = this.#qp.commitWrites(this.startTs, this.#writes)
      this.status = 'committed'
      return { commitTs }
    } catch (e) {
      if (!(e instanceof SqlError && e.code === '40003')) this.status = 'aborted'
      throw e
    }
  }

  rollback(): void {
    if (this.status !== 'committed') this.status = 'aborted'
  }

  failStatement(): void {
    if (this.status !== 'open') throw new AssertionError(`failStatement on ${this.status} transaction`)
    this.status = 'failed'
  }
}
