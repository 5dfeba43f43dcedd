// AT TIME ZONE (ARCHITECTURE.md "query processor": evaluate): libpg_query turns `x AT TIME ZONE z`
// into timezone(z, x); zone offsets come from the runtime's IANA database (Intl), PostgreSQL's rules.
import { T, overloads, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import { fromLocal, toLocal, zoneOf, type Datum } from './types/index.ts'

const zoneArg = (d: Datum | undefined) => zoneOf(d as string)

/** timezone(zone, x) and timezone(x) (AT LOCAL, the session zone UTC). */
export const TIMEZONE_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['timezone', overloads(
    sig([T.text, T.timestamptz], T.timestamp, (a) => toLocal(a[1] as bigint, zoneArg(a[0]))),
    sig([T.text, T.timestamp], T.timestamptz, (a) => fromLocal(a[1] as bigint, zoneArg(a[0]))),
    sig([T.timestamptz], T.timestamp, (a) => a[0] as bigint),
    sig([T.timestamp], T.timestamptz, (a) => a[0] as bigint),
  )],
])
