// Test support for the type system: what a call raises, as `<SQLSTATE> <message>`.
import { SqlError } from '../../errors/index.ts'

/** `<code> <message>` of the SqlError `f` throws, or 'no error'; anything else is rethrown. */
export function error(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    if (e instanceof SqlError) return `${e.code} ${e.message}`
    throw e
  }
  return 'no error'
}
