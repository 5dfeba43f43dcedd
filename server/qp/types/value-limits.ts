// Sizes of the values functions and operators build (ARCHITECTURE.md "query processor": bind and
// evaluate): a size a query asks for (lpad('x', 1000000000), array_fill(0, '{150000000}')) is
// checked before anything is allocated, so one statement cannot take the process's memory.
import { SqlError } from '../../errors/index.ts'
import { QUERY_VALUES_MAX } from '../constants.ts'

/** Characters (UTF-16 code units, at most 2 bytes each) of one text value, or bytes of one bytea
 * value, that a function or operator builds (54000 beyond). PostgreSQL allows 1 GB; ours is lower
 * because a JavaScript string of that size is 1-2 GB of this process's heap, and a statement may
 * build several: 16 Mi characters is 4x the largest transaction write (TX_BYTES_MAX). */
export const BUILT_TEXT_CHARS_MAX = 16 * 1024 * 1024

/** Elements of one array a function or aggregate builds (54000 beyond): the values one statement
 * may hold in memory (QUERY_VALUES_MAX), as an array in memory is that many values. */
export const BUILT_ARRAY_ELEMENTS_MAX = QUERY_VALUES_MAX

/** 54000 when a text value of `length` characters would be over BUILT_TEXT_CHARS_MAX
 * (PostgreSQL's message for lpad, repeat and the like). */
export function checkTextLength(length: number): void {
  if (length > BUILT_TEXT_CHARS_MAX) throw new SqlError('54000', 'requested length too large')
}

/** 54000 when an array of `length` elements would be over BUILT_ARRAY_ELEMENTS_MAX
 * (PostgreSQL's message, with our bound). */
export function checkArrayLength(length: number): void {
  if (length > BUILT_ARRAY_ELEMENTS_MAX) {
    throw new SqlError('54000', `array size exceeds the maximum allowed (${BUILT_ARRAY_ELEMENTS_MAX})`)
  }
}
