// AbortSignal support for Kysely, which passes no signal to drivers: a plugin remembers the
// signal by the query's id (the same object reaches the connection in the CompiledQuery).
import type {
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'

const signals = new WeakMap<QueryId, AbortSignal>()

/** The signal registered for a query, if any (read by TesseraConnection). */
export function signalOf(queryId: QueryId): AbortSignal | undefined {
  return signals.get(queryId)
}

/** Attaches `signal` to every query run through the Kysely instance it is added to. */
export class AbortSignalPlugin implements KyselyPlugin {
  readonly #signal: AbortSignal

  constructor(signal: AbortSignal) {
    this.#signal = signal
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    signals.set(args.queryId, this.#signal)
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}

/**
 * `db` whose queries are aborted by `signal`: `await withSignal(db, AbortSignal.timeout(500))
 * .selectFrom('t').selectAll().execute()`. An aborted query rejects with the signal's reason;
 * the server may still have run it. Works on transactions (`withSignal(trx, signal)`) too.
 */
export function withSignal<DB>(db: Kysely<DB>, signal: AbortSignal): Kysely<DB> {
  return db.withPlugin(new AbortSignalPlugin(signal))
}
