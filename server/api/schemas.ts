// Validation of request bodies (ARCHITECTURE.md "api": validation with zod). Every body is a
// strict object: unknown fields are rejected, so a typo never silently changes meaning.
import { z } from 'zod'
import type { BatchRequest, BeginRequest, SqlRequest } from './wire.ts'

const rowMode = z.enum(['object', 'array'])
const params = z.array(z.unknown())

/** One statement of a batch. */
export const statementSchema = z.strictObject({ sql: z.string(), params: params.optional() })

/** `{sql, params?, rowMode?}`. */
export const sqlRequestSchema = z.strictObject({
  sql: z.string(),
  params: params.optional(),
  rowMode: rowMode.optional(),
})

/**
 * `json` when it is plainly a valid `{sql, params?, rowMode?}`, else undefined (and zod decides,
 * naming what is wrong). The common body is checked here without zod's per-call allocations;
 * what passes here passes `sqlRequestSchema` too (schemas.prop.test.ts holds them to that).
 */
export function plainSqlRequest(json: unknown): SqlRequest | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined
  const body = json as Record<string, unknown>
  for (const key in body) if (key !== 'sql' && key !== 'params' && key !== 'rowMode') return undefined
  const { sql, params, rowMode } = body
  if (typeof sql !== 'string') return undefined
  if (params !== undefined && !Array.isArray(params)) return undefined
  if (rowMode !== undefined && rowMode !== 'object' && rowMode !== 'array') return undefined
  return json as SqlRequest
}

/** `{statements: [{sql, params?}], rowMode?}`, at least one statement. */
export const batchRequestSchema = z.strictObject({
  statements: z.array(statementSchema).min(1),
  rowMode: rowMode.optional(),
})

/** `{readOnly?}`. */
export const beginRequestSchema = z.strictObject({ readOnly: z.boolean().optional() })

/** Commit and rollback take no fields (an empty body or `{}`). */
export const emptyRequestSchema = z.strictObject({})

// A parsed body must be a wire type and every wire field must be parsed (up to readonly); these
// fail to compile when schemas and wire.ts drift apart.
type Fits<A, B> = [A] extends [B] ? ([keyof B] extends [keyof A] ? true : false) : false
const sameSql: Fits<z.infer<typeof sqlRequestSchema>, SqlRequest> = true
const sameBatch: Fits<z.infer<typeof batchRequestSchema>, BatchRequest> = true
const sameBegin: Fits<z.infer<typeof beginRequestSchema>, BeginRequest> = true
void [sameSql, sameBatch, sameBegin]
