// The SQL type system of the query processor: type names, runtime values (datums), PostgreSQL's
// input/output functions, casts, operators and the mapping to keys and the wire (API.md "Values").
import type { KeyPart } from '../../encoding/index.ts'

/** A SQL type. `unknown` is an untyped literal or NULL whose type context has not fixed yet. */
export type SqlType =
  | { readonly kind: 'bool' }
  | { readonly kind: 'int2' }
  | { readonly kind: 'int4' }
  | { readonly kind: 'int8' }
  | { readonly kind: 'float4' }
  | { readonly kind: 'float8' }
  /** Unconstrained when precision is undefined; scale defaults to 0 when precision is given. */
  | { readonly kind: 'numeric'; readonly precision?: number; readonly scale?: number }
  | { readonly kind: 'text' }
  | { readonly kind: 'varchar'; readonly length?: number }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'timestamptz' }
  | { readonly kind: 'uuid' }
  | { readonly kind: 'jsonb' }
  | { readonly kind: 'bytea' }
  | { readonly kind: 'unknown' }

export type TypeKind = SqlType['kind']

/** An exact decimal: `coefficient * 10^-scale`, scale >= 0. Also NaN (PostgreSQL numeric has it). */
export declare class Decimal {
  readonly coefficient: bigint
  readonly scale: number
  readonly isNaN: boolean
  static parse(text: string): Decimal
  static fromBigInt(n: bigint): Decimal
  static nan(): Decimal
  toString(): string
  add(o: Decimal): Decimal
  sub(o: Decimal): Decimal
  mul(o: Decimal): Decimal
  /** Division to PostgreSQL's result scale; throws 22012 on division by zero. */
  div(o: Decimal): Decimal
  mod(o: Decimal): Decimal
  neg(): Decimal
  compare(o: Decimal): number
  /** Rounds half away from zero to `scale` digits after the point. */
  round(scale: number): Decimal
  toNumber(): number
}

/** A jsonb value (boxed, so JSON null is not SQL NULL). */
export declare class Jsonb {
  constructor(value: unknown)
  readonly value: unknown
}

/**
 * A runtime value. Representation by type: bool → boolean; int2/int4/int8 → bigint;
 * float4/float8 → number; numeric → Decimal; text/varchar → string; date → number (days since
 * 1970-01-01); timestamp/timestamptz → bigint (microseconds since 1970-01-01 00:00 UTC);
 * uuid → string (lowercase canonical); jsonb → Jsonb; bytea → Uint8Array; NULL → null.
 */
export type Datum = null | boolean | bigint | number | string | Uint8Array | Decimal | Jsonb

/** A value as API.md puts it on the wire. */
export type WireValue = null | boolean | number | string | WireValue[] | { readonly [k: string]: unknown }

/** Where a cast happens; PostgreSQL allows different casts in each context. */
export type CastContext = 'implicit' | 'assignment' | 'explicit'

/** Resolves a type name as libpg_query gives it (`['pg_catalog','int4']`, `['varchar']` with
 * typmods `[10]`, `['timestamptz']`, ...). Throws 42704 for an unknown type, 0A000 for a known
 * PostgreSQL type Tessera lacks. */
export declare function typeFromName(names: readonly string[], typmods: readonly number[]): SqlType

/** PostgreSQL's name of the type, as API.md's `fields[].type`: 'int8', 'varchar', 'timestamptz'. */
export declare function typeName(type: SqlType): string

/** The type as SQL would spell it, for messages: 'integer', 'character varying(10)'. */
export declare function formatType(type: SqlType): string

/** PostgreSQL's input function: text to datum. 22P02/22003/22007/22008 on bad input. */
export declare function parseText(text: string, type: SqlType): Datum

/** PostgreSQL's output function (DateStyle ISO, time zone UTC). */
export declare function formatText(value: Datum, type: SqlType): string

/** API.md's JSON form of a value. */
export declare function toWire(value: Datum, type: SqlType): WireValue

/** A JSON request parameter cast to `type` as PostgreSQL casts an untyped literal: strings go
 * through `parseText`, numbers and booleans must fit the type (22P02/22003/42804 otherwise),
 * objects and arrays only to jsonb. */
export declare function fromParam(json: unknown, type: SqlType): Datum

/** Whether a cast from `from` to `to` is allowed in `context`. */
export declare function canCast(from: SqlType, to: SqlType, context: CastContext): boolean

/** Casts a non-null value, applying the target's typmod: numeric(p,s) rounds (22003 on
 * overflow), varchar(n) truncates when explicit and raises 22001 otherwise; int overflow 22003.
 * Throws 42846 when the cast does not exist. */
export declare function cast(value: Datum, from: SqlType, to: SqlType, context: CastContext): Datum

/** Total order of two non-null values of one type (PostgreSQL's btree order: NaN last). */
export declare function compare(a: Datum, b: Datum, type: SqlType): number

/** The type both sides are promoted to for comparison or a set of values (CASE, COALESCE, VALUES,
 * UNION), following PostgreSQL's resolution (unknown literals adopt the other type). Throws 42804
 * when none exists. */
export declare function commonType(types: readonly SqlType[], context: string): SqlType

/** A resolved operator: result type, argument types to cast to first, and the function. */
export interface ResolvedOperator {
  readonly resultType: SqlType
  readonly leftType: SqlType
  readonly rightType: SqlType
  /** Applied to non-null arguments already cast to leftType/rightType. Raises 22003 on
   * overflow, 22012 on division by zero. */
  readonly apply: (a: Datum, b: Datum) => Datum
}

/** Resolves a binary operator (`+ - * / %`, `||`, `= <> < <= > >=`) for the operand types the way
 * PostgreSQL does (int2 op int4 → int4; int op numeric → numeric; anything op float8 → float8;
 * date + int4 → date; unknown adopts the other side). Undefined when no operator exists (the
 * caller raises 42883). */
export declare function resolveBinary(op: string, left: SqlType, right: SqlType): ResolvedOperator | undefined

/** Resolves unary `-` and `+`. */
export declare function resolveUnary(
  op: string,
  operand: SqlType,
): { readonly resultType: SqlType; readonly apply: (a: Datum) => Datum } | undefined

/** The key form of a non-null value (for index keys); order of key parts equals `compare`. */
export declare function toKeyPart(value: Datum, type: SqlType): KeyPart
/** Inverse of `toKeyPart`. */
export declare function fromKeyPart(part: KeyPart, type: SqlType): Datum

/** The stored form of a value in a row (`encodeRow` element); exact round trip. */
export declare function toStored(value: Datum, type: SqlType): KeyPart
/** Inverse of `toStored`. */
export declare function fromStored(part: KeyPart, type: SqlType): Datum

/** A string equal for two values exactly when they are equal as SQL values of `type` (GROUP BY,
 * DISTINCT, hash joins). */
export declare function hashKey(value: Datum, type: SqlType): string

/** The type of an integer literal: int4 when it fits, then int8, then numeric. */
export declare function integerLiteralType(text: string): SqlType
