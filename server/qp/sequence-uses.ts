// Column defaults, CHECK constraints and views that use sequences (ARCHITECTURE.md "Schema objects
// beyond tables"). PostgreSQL records a dependency of each on every sequence its expressions name by
// a regclass constant (nextval('s'), currval('s'), setval('s', n), 's'::regclass): dropping the
// sequence is 2BP01 while they live (CASCADE drops the default, the constraint, the view and the
// views over it), and a renamed or moved sequence is followed. Serial and identity columns use
// their own sequence (ColumnDef.sequence, the default text is for display); an identity column's
// sequence goes only with the column, even under CASCADE.
//
// Tessera keeps defaults, checks and views as SQL text, so the uses are found in the text when a
// sequence is dropped, renamed or moved: those are rare statements, and a scan of the table and view
// definitions is cheap next to them. A renamed sequence is followed by rewriting the constant at
// the byte offsets the parser gives (as view-renames.ts rewrites relation names). A statement that
// stores text naming a sequence rewrites the sequence's definition unchanged (useSequences): a
// concurrent DROP SEQUENCE writes the same key, so the later of the two to commit gets 40001
// instead of a default, check or view left naming nothing.
//
// DROP TYPE finds the defaults, checks and views that name an enum type (its casts) the same way,
// through a NameFinder of type names (enums.ts).
import { scanSync } from 'libpg-query'
import type { Node } from 'libpg-query'
import { decodeKey } from '../encoding/index.ts'
import { assertNever, featureNotSupported, SqlError } from '../errors/index.ts'
import {
  bareName,
  encodeTableDef,
  indexNameKey,
  schemaOf,
  sequenceKey,
  sequencesRange,
  tablesRange,
  type ColumnDef,
  type TableDef,
} from './catalog.ts'
import type { DdlEnv } from './ddl.ts'
import { quoteIdent, quoteLiteral } from './functions-text.ts'
import { replaceBytes, type ByteEdit, type ParseCache } from './parser.ts'
import { sequenceName } from './schema-functions.ts'
import type { SequenceDef } from './sequences.ts'
import { systemRelationOid } from './system/index.ts'
import { dropDependentViews, viewKey, viewsOver, viewsRange, type ViewDef } from './views.ts'
import { qualifiedName as qualifiedRelation, relationsRead } from './from.ts'

/** The functions whose first argument, a string constant, PostgreSQL reads as a regclass. */
const SEQUENCE_FUNCTIONS = new Set(['nextval', 'currval', 'setval'])
/** `ParseCache.expression` parses `SELECT (text)`: locations count from this prefix. */
const EXPRESSION_PREFIX_BYTES = 'SELECT ('.length

/** A sequence named in expression text: its catalog name and the byte range of the constant. */
export interface SequenceRef {
  readonly name: string
  readonly start: number
  readonly end: number
}

/** What a text naming sequences is: a stored expression (a default, a CHECK) or a view's query. */
export type TextForm = 'expression' | 'query'

/** The sequences `text` names as PostgreSQL records them (see the top of the file):
 * `nextval('s'::text)` names none, as there. */
export function sequenceRefs(parse: ParseCache, text: string, form: TextForm = 'expression'): SequenceRef[] {
  if (!/nextval|currval|setval|regclass/i.test(text)) return []
  const constants: StringConstant[] = []
  collectRefs(form === 'expression' ? parse.expression(text) : parse.statement(text).stmt, constants)
  if (constants.length === 0) return []
  const tokens = scanSync(text).tokens
  const prefix = form === 'expression' ? EXPRESSION_PREFIX_BYTES : 0
  const out: SequenceRef[] = []
  for (const c of constants) {
    const start = c.location - prefix
    const token = tokens.find((t) => t.start === start)
    if (token !== undefined) out.push({ name: sequenceName(c.value), start, end: token.end })
  }
  return out
}

/** A string constant of a parse tree: its value and location. */
interface StringConstant {
  readonly value: string
  readonly location: number
}

/** The string constants a parse tree reads as regclass. */
function collectRefs(node: unknown, out: StringConstant[]): void {
  if (Array.isArray(node)) {
    for (const child of node) collectRefs(child, out)
    return
  }
  if (typeof node !== 'object' || node === null) return
  const n = node as Node
  if ('FuncCall' in n) {
    const names = (n.FuncCall.funcname ?? []).map((p) => ('String' in p ? p.String.sval : ''))
    const fn = names[names.length - 1] ?? ''
    const schemaOk = names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog')
    const first = n.FuncCall.args?.[0]
    const c = first === undefined ? undefined : stringConstant(first)
    if (schemaOk && SEQUENCE_FUNCTIONS.has(fn) && c !== undefined) out.push(c)
  } else if ('TypeCast' in n) {
    const names = (n.TypeCast.typeName?.names ?? []).map((p) => ('String' in p ? p.String.sval : ''))
    const c = n.TypeCast.arg === undefined ? undefined : stringConstant(n.TypeCast.arg)
    if (names[names.length - 1] === 'regclass' && c !== undefined) {
      out.push(c)
      return
    }
  }
  for (const value of Object.values(node)) collectRefs(value, out)
}

/** A string constant node's value and location; undefined for any other node. */
function stringConstant(node: Node): StringConstant | undefined {
  if (!('A_Const' in node)) return undefined
  const { sval, location } = node.A_Const
  return sval === undefined || location === undefined ? undefined : { value: sval.sval ?? '', location }
}

/** How a regclass constant names catalog name `name` (bare in public, as PostgreSQL shows it). */
export function regclassLiteral(name: string): string {
  const schema = schemaOf(name)
  const bare = quoteIdent(bareName(name))
  return quoteLiteral(schema === 'public' ? bare : `${quoteIdent(schema)}.${bare}`)
}

/** The default text of a serial column using sequence `name`. */
export const serialDefault = (name: string) => `nextval(${regclassLiteral(name)}::regclass)`

/** Something that uses a sequence or a type (PostgreSQL's dependent object): a column default, a
 * CHECK constraint or a view; `used` is the sequence's or type's catalog name. */
export type DependentUse =
  | {
      readonly kind: 'default'
      readonly table: string
      readonly column: string
      readonly used: string
      /** An identity column: its sequence goes only with the column. */
      readonly identity: boolean
    }
  | { readonly kind: 'check'; readonly table: string; readonly constraint: string; readonly used: string }
  /** A generated column's expression (a cast to a type; never nextval, which is volatile). */
  | { readonly kind: 'generated'; readonly table: string; readonly column: string; readonly used: string }
  | { readonly kind: 'view'; readonly view: string; readonly used: string }

/** How stored text names the objects a statement drops: sequences (by regclass constants) or
 * types (by type names). */
export interface NameFinder {
  /** A quick test of a stored definition (JSON) for a use of one of `names`: false only when it
   * cannot hold one. */
  readonly may: (names: ReadonlySet<string>) => (raw: string) => boolean
  /** The catalog names `text` (of `form`) uses. */
  readonly refs: (parse: ParseCache, text: string, form: TextForm) => readonly string[]
  /** How PostgreSQL's DETAIL lines show a catalog name (as stored, unless told). */
  readonly display?: (name: string) => string
}

/** Sequences, named by regclass constants (and tables, views and indexes, which those name too). */
const SEQUENCES: NameFinder = {
  may: (names) => mayUse(names),
  refs: (parse, text, form) => sequenceRefs(parse, text, form).map((r) => r.name),
}

/** The uses in `def` (its defaults and checks) of the objects in `names`. A serial or identity
 * column's default uses its own sequence (ColumnDef.sequence), never a type: a sequence's name is
 * never a type's (PostgreSQL gives a sequence a row type of its name). */
function usesIn(parse: ParseCache, def: TableDef, names: ReadonlySet<string>, finder: NameFinder): DependentUse[] {
  const out: DependentUse[] = []
  for (const col of def.columns) {
    if (col.dropped === true) continue
    const use = (used: string) =>
      out.push({ kind: 'default', table: def.name, column: col.name, used, identity: col.identity !== undefined })
    if (col.sequence !== undefined) {
      if (names.has(col.sequence)) use(col.sequence)
    } else if (col.default !== undefined) {
      for (const name of namedIn(parse, col.default, 'expression', names, finder)) use(name)
    } else if (col.generated !== undefined) {
      for (const used of namedIn(parse, col.generated, 'expression', names, finder))
        out.push({ kind: 'generated', table: def.name, column: col.name, used })
    }
  }
  for (const check of def.checks) {
    for (const used of namedIn(parse, check.expr, 'expression', names, finder))
      out.push({ kind: 'check', table: def.name, constraint: check.name, used })
  }
  return out
}

/** The uses in view `def` of the objects in `names`. */
function viewUses(parse: ParseCache, def: ViewDef, names: ReadonlySet<string>, finder: NameFinder): DependentUse[] {
  return namedIn(parse, def.sql, 'query', names, finder).map((used) => ({ kind: 'view', view: def.name, used }))
}

/** The sequences of `read` that view `def` reads in FROM (PostgreSQL holds those as it holds a
 * regclass constant's), each once. */
function viewReads(parse: ParseCache, def: ViewDef, read: ReadonlySet<string>): DependentUse[] {
  if (read.size === 0) return []
  const names = new Set(relationsRead(parse.statement(def.sql).stmt).map(qualifiedRelation))
  return [...read].filter((n) => names.has(n)).map((used) => ({ kind: 'view', view: def.name, used }))
}

/** The names of `names` that are sequences at the snapshot plus writes. */
function sequencesIn(env: DdlEnv, names: ReadonlySet<string>): Set<string> {
  return new Set([...names].filter((n) => env.view.get(sequenceKey(n)) !== undefined))
}

/** The objects of `names` that `text` names, each once. */
function namedIn(parse: ParseCache, text: string, form: TextForm, names: ReadonlySet<string>, finder: NameFinder): string[] {
  return [...new Set(finder.refs(parse, text, form))].filter((n) => names.has(n))
}

/** PostgreSQL's DETAIL line for a use of `u.used` (shown as `name`), a `kind`. */
function dependsLine(u: DependentUse, kind: UsedKind, name: string): string {
  switch (u.kind) {
    case 'default':
      return `default value for column ${u.column} of table ${u.table} depends on ${kind} ${name}`
    case 'check':
      return `constraint ${u.constraint} on table ${u.table} depends on ${kind} ${name}`
    case 'generated':
      return `column ${u.column} of table ${u.table} depends on ${kind} ${name}`
    case 'view':
      return `view ${u.view} depends on ${kind} ${name}`
    default:
      return assertNever(u)
  }
}

/** Whether a stored table definition may use a sequence at all (most do not: no parse needed). */
const MAY_USE_SEQUENCE = /nextval|currval|setval|regclass|"sequence"/i
/** Text a sequence's name may hide in (escapes of E'' and U&'' strings): no quick test by name. */
const ESCAPED = /\\\\|u&/i

/** A quick test of a stored table definition (JSON) for a use of one of `names`: false only when
 * it cannot hold one. The names appear in it as written, but for case and escapes. */
function mayUse(names: ReadonlySet<string>): (raw: string) => boolean {
  const bare = [...names].map(bareName)
  if (bare.some((n) => !/^[A-Za-z0-9_$]+$/.test(n))) return (raw) => MAY_USE_SEQUENCE.test(raw)
  const named = new RegExp(bare.map((n) => n.replaceAll('$', '\\$')).join('|'), 'i')
  return (raw) => MAY_USE_SEQUENCE.test(raw) && (named.test(raw) || ESCAPED.test(raw))
}

/** The stored tables but those in `skip`, at the snapshot plus writes, that may use one of
 * `names` (every one that does). */
function* tablesUsing(env: DdlEnv, may: (raw: string) => boolean, skip: ReadonlySet<string>) {
  const { start, end } = tablesRange()
  for (const kv of env.view.scan(start, end)) {
    if (!may(kv.value)) continue
    const name = decodeKey(kv.key)[2] as string
    if (skip.has(name)) continue
    const table = env.findTable(name)
    if (table !== undefined) yield table
  }
}

/** The stored views but those in `skip`, at the snapshot plus writes, that may use one of `names`
 * (every one that does). */
function* viewsUsing(env: DdlEnv, may: (raw: string) => boolean, skip: ReadonlySet<string>) {
  const { start, end } = viewsRange()
  for (const kv of env.view.scan(start, end)) {
    if (!may(kv.value)) continue
    const def = JSON.parse(kv.value) as ViewDef
    if (!skip.has(def.name)) yield def
  }
}

/** What a regclass constant names: a sequence, or (`'t'::regclass`) a table, a view or an index;
 * or what a type name names. */
export type UsedKind = 'sequence' | 'table' | 'view' | 'index' | 'type'

/** What dropSequenceUses is told about the statement. */
export interface DropUses {
  /** What the names in `names` are (sequences unless told), or each one's kind. */
  readonly kind?: UsedKind | ReadonlyMap<string, UsedKind> | undefined
  /** What the statement drops, for the 2BP01 message (`sequence s`, `table t`, ...); undefined
   * when it names several objects. */
  readonly what: string | undefined
  readonly cascade: boolean
  /** Tables and views the statement drops too: their uses do not count. */
  readonly skip?: ReadonlySet<string> | undefined
  /** The definition an ALTER TABLE is changing: stands in for its stored one. */
  readonly current?: TableDef | undefined
  /** How the dependents name what is dropped: regclass constants (sequences, relations) unless
   * told (types: TYPE_NAMES of enums.ts). */
  readonly finder?: NameFinder | undefined
}

/**
 * Before the sequences in `names` are dropped (or tables, views or indexes, `o.kind`: regclass
 * constants name those too; or types, `o.finder`): the column defaults, CHECK constraints and
 * views that use them. 2BP01 (naming them, and the views over those views, as PostgreSQL) unless
 * CASCADE, which drops those defaults and constraints, the views and the views over them; a
 * sequence an identity column uses is 2BP01 even then. Returns `o.current` as changed.
 */
export function dropSequenceUses(
  env: DdlEnv,
  names: ReadonlySet<string>,
  o: DropUses,
): TableDef | undefined {
  if (names.size === 0) return o.current
  const skip = new Set(o.skip)
  if (o.current !== undefined) skip.add(o.current.name)
  const finder = o.finder ?? SEQUENCES
  const found: { def: TableDef; uses: DependentUse[]; put: (def: TableDef) => void }[] = []
  if (o.current !== undefined) {
    const uses = usesIn(env.parse, o.current, names, finder)
    if (uses.length > 0) found.push({ def: o.current, uses, put: () => {} })
  }
  for (const table of tablesUsing(env, finder.may(names), skip)) {
    const uses = usesIn(env.parse, table.def, names, finder)
    if (uses.length > 0)
      found.push({ def: table.def, uses, put: (def) => env.put(table.schemaKey, encodeTableDef(def)) })
  }
  const read = finder === SEQUENCES ? sequencesIn(env, names) : new Set<string>()
  const mayView = read.size === 0 ? finder.may(names) : () => true
  const views = [...viewsUsing(env, mayView, skip)]
    .map((def) => ({ def, uses: [...viewUses(env.parse, def, names, finder), ...viewReads(env.parse, def, read)] }))
    .filter((v) => v.uses.length > 0)
  const all = [...found.flatMap((f) => f.uses), ...views.flatMap((v) => v.uses)]
  for (const u of all) {
    if (u.kind !== 'default' || !u.identity) continue
    throw new SqlError(
      '2BP01',
      `cannot drop sequence ${u.used} because column ${u.column} of table ${u.table} requires it`,
      { hint: `You can drop column ${u.column} of table ${u.table} instead.` },
    )
  }
  const generated = all.find((u) => u.kind === 'generated')
  // PostgreSQL's CASCADE drops the generated column; Tessera drops no column for a dependency.
  if (generated !== undefined && o.cascade) throw featureNotSupported(`dropping ${o.what ?? 'these objects'} with CASCADE while a generated column uses it`)
  if (all.length > 0 && !o.cascade) {
    const kinds = o.kind
    const kind = (u: DependentUse) => (kinds instanceof Map ? kinds.get(u.used) : kinds) ?? 'sequence'
    const line = (u: DependentUse) => dependsLine(u, kind(u), finder.display?.(u.used) ?? u.used)
    const lines = found.flatMap((f) => f.uses.map(line))
    for (const v of views) {
      lines.push(...v.uses.map(line))
      for (const { view, over } of viewsOver(env, v.def.name, skip)) lines.push(`view ${view} depends on view ${over}`)
    }
    throw new SqlError(
      '2BP01',
      o.what === undefined
        ? 'cannot drop desired object(s) because other objects depend on them'
        : `cannot drop ${o.what} because other objects depend on it`,
      { detail: lines.join('\n'), hint: 'Use DROP ... CASCADE to drop the dependent objects too.' },
    )
  }
  let current = o.current
  for (const { def, uses, put } of found) {
    const columns = new Set(uses.flatMap((u) => (u.kind === 'default' ? [u.column] : [])))
    const checks = new Set(uses.flatMap((u) => (u.kind === 'check' ? [u.constraint] : [])))
    const withoutDefaults = withColumns(def, (c) =>
      columns.has(c.name) ? { ...c, default: undefined, sequence: undefined } : c,
    )
    const changed = checks.size === 0 ? withoutDefaults : { ...withoutDefaults, checks: def.checks.filter((k) => !checks.has(k.name)) }
    if (def === o.current) current = changed
    else put(changed)
  }
  for (const { def } of views) {
    dropDependentViews(env, def.name, 'view', true, skip)
    env.put(viewKey(def.name), null)
  }
  return current
}

/** The sequences owned by table `table` (OWNED BY; serial and identity columns own theirs), or by
 * its column `column`. */
export function ownedSequences(env: Pick<DdlEnv, 'view'>, table: string, column?: string): SequenceDef[] {
  const { start, end } = sequencesRange()
  const out: SequenceDef[] = []
  const owner = `"table":${JSON.stringify(table)}`
  for (const kv of env.view.scan(start, end)) {
    if (!kv.value.includes(owner)) continue
    const def = JSON.parse(kv.value) as SequenceDef
    if (def.ownedBy?.table === table && (column === undefined || def.ownedBy.column === column))
      out.push(def)
  }
  return out
}

/** Drops the sequences table `table` (or its column `column`) owns, with dropSequenceUses first.
 * Returns `o.current` as changed. */
export function dropOwnedSequences(
  env: DdlEnv,
  table: string,
  column: string | undefined,
  o: DropUses,
): TableDef | undefined {
  const owned = ownedSequences(env, table, column).map((s) => s.name)
  const current = dropSequenceUses(env, new Set(owned), o)
  for (const name of owned) env.put(sequenceKey(name), null)
  return current
}

/** `text` (of `form`) with its regclass constants naming sequence `from` naming `to` instead;
 * undefined when it names no `from`. */
function renamedIn(parse: ParseCache, text: string, form: TextForm, from: string, to: string): { text: string; edits: ByteEdit[] } | undefined {
  const edits = sequenceRefs(parse, text, form)
    .filter((r) => r.name === from)
    .map((r) => ({ start: r.start, end: r.end, text: regclassLiteral(to) }))
  return edits.length === 0 ? undefined : { text: replaceBytes(text, edits), edits }
}

/** `def` with its uses of sequence `from` (defaults and checks) naming `to` instead (a renamed or
 * moved sequence). */
export function withSequenceRenamed(parse: ParseCache, def: TableDef, from: string, to: string): TableDef {
  const withDefaults = withColumns(def, (c) => {
    if (c.sequence !== undefined) {
      if (c.sequence !== from) return c
      return { ...c, sequence: to, default: c.default === undefined ? undefined : serialDefault(to) }
    }
    if (c.default === undefined) return c
    const renamed = renamedIn(parse, c.default, 'expression', from, to)
    return renamed === undefined ? c : { ...c, default: renamed.text }
  })
  let changed = false
  const checks = def.checks.map((k) => {
    const renamed = renamedIn(parse, k.expr, 'expression', from, to)
    if (renamed === undefined) return k
    changed = true
    return { ...k, expr: renamed.text }
  })
  return changed ? { ...withDefaults, checks } : withDefaults
}

/** What following a renamed sequence covers. */
export interface FollowRename {
  /** Tables the caller rewrites itself. */
  readonly skip?: ReadonlySet<string> | undefined
  /** False: the views are left to the caller (followSequenceRenameInViews), which a moved table
   * calls once its views followed the table itself. */
  readonly views?: boolean | undefined
}

/** After sequence `from` became `to` in this statement: every default, CHECK constraint and view
 * that named it names `to`. */
export function followSequenceRename(env: DdlEnv, from: string, to: string, o: FollowRename = {}): void {
  for (const table of tablesUsing(env, mayUse(new Set([from])), o.skip ?? new Set())) {
    const def = withSequenceRenamed(env.parse, table.def, from, to)
    if (def !== table.def) env.put(table.schemaKey, encodeTableDef(def))
  }
  if (o.views !== false) followSequenceRenameInViews(env, from, to)
}

/** After sequence `from` became `to` in this statement: every view that named it names `to`. The
 * edits of each view's text go to `edited` too (DependentViews.edited, when the statement checks
 * the views' bindings afterwards). */
export function followSequenceRenameInViews(
  env: DdlEnv,
  from: string,
  to: string,
  edited?: (view: string, edits: readonly ByteEdit[]) => void,
): void {
  for (const def of viewsUsing(env, mayUse(new Set([from])), new Set())) {
    const renamed = renamedIn(env.parse, def.sql, 'query', from, to)
    if (renamed === undefined) continue
    env.put(viewKey(def.name), JSON.stringify({ ...def, sql: renamed.text } satisfies ViewDef))
    edited?.(def.name, renamed.edits)
  }
}

/**
 * A statement stores `text` (a default, a CHECK, a view's query: CREATE TABLE, ADD COLUMN, SET
 * DEFAULT, ADD CONSTRAINT, CREATE VIEW): each sequence it names must exist (42P01 now, as
 * PostgreSQL's regclass constant, not when it is evaluated), and its definition is written again
 * unchanged, so a concurrent drop of it conflicts with this statement. So is each sequence a
 * view's query reads in FROM (which binding found already).
 */
export function useSequences(env: DdlEnv, text: string, form: TextForm = 'expression', creating?: string): void {
  if (form === 'query') {
    for (const name of new Set(relationsRead(env.parse.statement(text).stmt).map(qualifiedRelation))) {
      const raw = env.view.get(sequenceKey(name))
      if (raw !== undefined) env.put(sequenceKey(name), raw)
    }
  }
  for (const ref of sequenceRefs(env.parse, text, form)) {
    const key = sequenceKey(ref.name)
    const raw = env.view.get(key)
    if (raw !== undefined) env.put(key, raw)
    // A regclass constant may name a table, a view or an index as well; or, in CREATE TABLE, the
    // table being created (`creating`), which PostgreSQL creates before its defaults and checks
    // (but not before its indexes).
    else if (
      ref.name !== creating &&
      !systemRelationNamed(ref.name) &&
      env.findTable(ref.name) === undefined &&
      env.view.get(viewKey(ref.name)) === undefined &&
      !catalogIndex(env, ref.name)
    )
      throw new SqlError('42P01', `relation "${ref.name}" does not exist`)
  }
}

/** Whether catalog name `name` names a system relation regclass input finds (a bare name is
 * pg_catalog's before public's, as PostgreSQL searches them). */
function systemRelationNamed(name: string): boolean {
  return systemRelationOid(name.includes('.') ? schemaOf(name) : 'pg_catalog', bareName(name)) !== undefined
}

/** Whether `name` is an index the catalog shows (pg_class, and so regclass): not the hidden row
 * id key of a table without a primary key, nor the index Tessera keeps for a foreign key. */
function catalogIndex(env: DdlEnv, name: string): boolean {
  const tableName = env.view.get(indexNameKey(name))
  const def = tableName === undefined ? undefined : env.findTable(tableName)?.def
  if (def === undefined) return false
  const bare = bareName(name)
  if (bare === def.primaryKeyName) return def.primaryKey.every((p) => def.columns[p]?.hidden !== true)
  const foreignKeyIndexes = new Set((def.foreignKeys ?? []).filter((fk) => fk.ownsIndex === true).map((fk) => fk.index))
  return [...def.indexes, ...(def.buildingIndexes ?? [])].some((i) => i.name === bare && !foreignKeyIndexes.has(i.id))
}

/** useSequences for every default of `columns` that is not a serial or identity column's. */
export function useDefaultSequences(env: DdlEnv, columns: readonly ColumnDef[], creating?: string): void {
  for (const c of columns) if (c.default !== undefined && c.sequence === undefined) useSequences(env, c.default, 'expression', creating)
}

/** `def` with `change` applied to every column; `def` itself when nothing changed. */
function withColumns(def: TableDef, change: (c: ColumnDef) => ColumnDef): TableDef {
  let changed = false
  const columns = def.columns.map((c) => {
    const next = change(c)
    if (next !== c) changed = true
    return next
  })
  return changed ? { ...def, columns } : def
}

