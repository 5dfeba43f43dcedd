// What SQL functions may ask of the transaction they run in (ARCHITECTURE.md "query processor"):
// sequences, advisory locks and session settings. The transaction provides it in EvalContext.

/** Transaction services for functions with effects beyond their row (nextval, advisory locks). */
export interface TxServices {
  /** The value of a session setting (`SHOW`, current_setting), undefined when unknown. */
  setting(name: string): string | undefined
}
