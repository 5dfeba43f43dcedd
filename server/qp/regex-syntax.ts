// PostgreSQL's regular expression syntax (ARE, ARCHITECTURE.md "query processor": evaluate), read
// into a tree that the matching engines (regex-re2.ts, regex-backtrack.ts) take: the two dialects
// share syntax with JavaScript's but not meaning ('\b' is a backspace, '\A'/'\Z' anchor the
// string, '\m'/'\M' are word starts and ends, a leading ']' in a bracket is literal, classes are
// Unicode-aware in a UTF8 database), so the pattern is parsed here rather than handed to an engine.
// Collating-element names ('[[.hyphen.]]') other than a single character are refused (2201B).
import { SqlError } from '../errors/index.ts'
import { caseVariantsOutside, lowerOf, upperOf } from './case-mapping.ts'

/** What a flags string (and a pattern's embedded options) select. */
export interface RegexOptions {
  /** Case-insensitive ('i'). The parser applies it to the pattern's characters and brackets (see
   * allCases), so the engines match those as written; they read it for back references only. */
  icase: boolean
  /** '.' and negated brackets do not match a newline (PostgreSQL's 'n'/'p'). */
  nlStop: boolean
  /** '^' and '$' also match at newlines (PostgreSQL's 'n'/'w'). */
  nlAnchor: boolean
  expanded: boolean
  literal: boolean
  global: boolean
}

/** PostgreSQL's character classes ('[[:alpha:]]'), and what the class escapes \d \s \w name. */
export type ClassName =
  | 'alpha'
  | 'digit'
  | 'alnum'
  | 'word'
  | 'upper'
  | 'lower'
  | 'space'
  | 'blank'
  | 'punct'
  | 'cntrl'
  | 'xdigit'
  | 'graph'
  | 'print'

/** One member of a bracket expression: a character range, or a class (its complement when negated:
 * \D \S \W). */
export type SetItem =
  | { readonly kind: 'range'; readonly lo: number; readonly hi: number }
  | { readonly kind: 'class'; readonly name: ClassName; readonly negated: boolean }

/** One character from the union of `items`, or from outside it when `negated`. */
export interface CharSet {
  readonly negated: boolean
  readonly items: readonly SetItem[]
}

export type Assertion = 'textStart' | 'textEnd' | 'lineStart' | 'lineEnd' | 'wordStart' | 'wordEnd' | 'wordBoundary' | 'notWordBoundary'

/** A parsed pattern. Captures are numbered from 1 in the order of their '('. */
export type RegexNode =
  | { readonly kind: 'empty' }
  | { readonly kind: 'char'; readonly cp: number }
  | { readonly kind: 'set'; readonly set: CharSet }
  | { readonly kind: 'seq'; readonly items: readonly RegexNode[] }
  | { readonly kind: 'alt'; readonly items: readonly RegexNode[] }
  | { readonly kind: 'group'; readonly capture: number | undefined; readonly body: RegexNode }
  | { readonly kind: 'repeat'; readonly body: RegexNode; readonly min: number; readonly max: number; readonly greedy: boolean }
  | { readonly kind: 'look'; readonly behind: boolean; readonly negated: boolean; readonly body: RegexNode }
  | { readonly kind: 'backref'; readonly group: number }
  | { readonly kind: 'assert'; readonly what: Assertion }

/** A pattern as the engines take it. */
export interface ParsedRegex {
  readonly root: RegexNode
  /** Capturing groups. */
  readonly groups: number
  readonly options: RegexOptions
  /** PostgreSQL's greediness of the RE as a whole, its tree's (a quantifier's, or else an
   * alternation's, the first in the pattern, except for what a messy atom's structure drops:
   * '((a){1,1}?)b*' is greedy): at the leftmost start where it matches, the match is the longest
   * one there when true, the shortest when false. */
  readonly longest: boolean
  /** PostgreSQL's tree of subexpressions (see Subre). */
  readonly tree: Subre
}

// PostgreSQL's subexpression flags (regguts.h): a preference for the longer or shorter match, a
// mix of both below, captures or back references below.
const LONGER = 0o1
/** A subexpression's preference for its shorter match (Subre.flags). */
export const SHORTER = 0o2
const MIXED = 0o4
const CAP = 0o10
/** A subexpression holds a back reference (Subre.flags). */
export const BACKR = 0o20
/** The flags that propagate up, MIXED where both preferences meet. */
const up = (f: number) => (f & (MIXED | CAP | BACKR)) | ((f << 2) & (f << 1) & MIXED)
const messy = (f: number) => (f & (MIXED | CAP | BACKR)) !== 0
const pref = (f: number) => f & (LONGER | SHORTER)
const combine = (a: number, b: number) => up(a | b) | (pref(a) !== 0 ? pref(a) : pref(b))

/** A node of PostgreSQL's subexpression tree: '=' a DFA alone, '.' a concatenation of two, '|' an
 * alternation, '*' an iteration, 'b' a back reference, '(' a capture around a capture. */
export interface Subre {
  readonly op: '=' | '.' | '|' | '*' | 'b' | '('
  /** LONGER, SHORTER, MIXED, CAP, BACKR (regguts.h). */
  readonly flags: number
  /** The language the node's DFA matches. */
  readonly lang: RegexNode
  /** The capture this node's span sets, 0 for none. */
  readonly capno: number
  readonly children: readonly Subre[]
  /** Iterations of '*', repetitions of 'b'. */
  readonly min: number
  readonly max: number
  /** The group a 'b' refers to. */
  readonly group: number
  /** The captures in this subtree (cleared before a child is dissected again). */
  readonly captures: readonly number[]
}

/** A Subre while the tree is built (parseqatom marks an atom capturing after parsing it). */
type Building = { -readonly [K in 'flags' | 'capno' | 'captures']: Subre[K] } & Omit<Subre, 'flags' | 'capno' | 'captures' | 'children'> & {
  readonly children: readonly Building[]
}

function subre(
  op: Subre['op'],
  flags: number,
  lang: RegexNode,
  children: readonly Building[] = [],
  extra?: Partial<Pick<Subre, 'min' | 'max' | 'group'>>,
): Building {
  const { min = 1, max = 1, group = 0 } = extra ?? {}
  return { op, flags, lang, capno: 0, children, min, max, group, captures: [] }
}

/** Whether `hit` holds for `n` or for any node below it (items of a sequence or alternation, the
 * body of a group, repetition or lookaround). */
export function someNode(n: RegexNode, hit: (m: RegexNode) => boolean): boolean {
  if (hit(n)) return true
  switch (n.kind) {
    case 'seq':
    case 'alt':
      return n.items.some((item) => someNode(item, hit))
    case 'group':
    case 'repeat':
    case 'look':
      return someNode(n.body, hit)
    default:
      return false
  }
}

/** Whether `n` holds a back reference. */
export function hasBackref(n: RegexNode): boolean {
  return someNode(n, (m) => m.kind === 'backref')
}

/** Items in sequence, as the parser gives them (one item alone, none as 'empty'). */
function seqOf(items: readonly RegexNode[]): RegexNode {
  if (items.length === 1) return items[0] as RegexNode
  return items.length === 0 ? { kind: 'empty' } : { kind: 'seq', items }
}

/** PostgreSQL's tree of subexpressions for a parsed pattern: what its dissection of a match walks
 * (regex-dissect.ts), and whose top flags are the RE's greediness. */
function subexpressions(root: RegexNode, exactBounds: ReadonlySet<RegexNode>): Subre {
  const tree = new TreeBuilder(exactBounds).alternation(root)
  noteCaptures(tree)
  return tree
}

/** PostgreSQL's parse of a pattern into its subexpression tree (regcomp.c's parse, parsebranch,
 * parseqatom), read off our own parse of it. */
class TreeBuilder {
  constructor(readonly exactBounds: ReadonlySet<RegexNode>) {}

  /** parse(): alternatives, each a branch; one '=' when none is messy. */
  alternation(n: RegexNode): Building {
    const branches = n.kind === 'alt' ? n.items : [n]
    let flags = LONGER
    const subs = branches.map((b) => {
      const t = this.branch(b.kind === 'seq' ? b.items : b.kind === 'empty' ? [] : [b], 0, b)
      flags |= up(flags | t.flags)
      return t
    })
    if (subs.length === 1) return subs[0] as Building
    return messy(flags) ? subre('|', flags, n, subs) : subre('=', flags, n)
  }

  /** parsebranch() from items[from]: the items before the first messy atom are one DFA, the rest
   * is a concatenation of that atom and the rest of the branch, parsed the same way. */
  branch(items: readonly RegexNode[], from: number, whole?: RegexNode): Building {
    let flags = 0
    for (let i = from; i < items.length; i++) {
      const item = items[i] as RegexNode
      // Constraints are arcs of the DFA, with no preference.
      if (item.kind === 'assert' || item.kind === 'look') continue
      const q = this.#quantified(item)
      // '{0}' cancels its atom (its captures are never set).
      if (q.min === 0 && q.max === 0) continue
      const atom = this.#atom(q.atom)
      const f = flags | q.prefer | (atom.sub?.flags ?? 0)
      if (atom.kind === 'plain' && !messy(up(f))) {
        flags = f
        continue
      }
      return this.#messy(items, from, i, flags, q, atom, whole)
    }
    return subre('=', flags, from === 0 && whole !== undefined ? whole : seqOf(items.slice(from)))
  }

  /** The atom of an item, its bounds and its quantifier's preference ('{m}' has none). */
  #quantified(item: RegexNode): { atom: RegexNode; min: number; max: number; prefer: number } {
    if (item.kind !== 'repeat') return { atom: item, min: 1, max: 1, prefer: 0 }
    const prefer = this.exactBounds.has(item) ? 0 : item.greedy ? LONGER : SHORTER
    return { atom: item.body, min: item.min, max: item.max, prefer }
  }

  #atom(n: RegexNode): { kind: 'plain' | 'capture' | 'backref'; sub: Building | undefined } {
    if (n.kind === 'backref') return { kind: 'backref', sub: undefined }
    if (n.kind !== 'group') return { kind: 'plain', sub: undefined }
    const sub = this.alternation(n.body)
    if (n.capture === undefined) return { kind: 'plain', sub }
    if (sub.capno === 0) {
      sub.flags |= CAP
      sub.capno = n.capture
      return { kind: 'capture', sub }
    }
    // '((x))': a capture node around the inner one.
    const wrapper = subre('(', sub.flags | CAP, n, [sub])
    wrapper.capno = n.capture
    return { kind: 'capture', sub: wrapper }
  }

  /** parseqatom()'s "hard part": the atom's structure, then the rest of the branch. */
  #messy(
    items: readonly RegexNode[],
    from: number,
    i: number,
    flags: number,
    q: { atom: RegexNode; min: number; max: number; prefer: number },
    atom: { kind: 'plain' | 'capture' | 'backref'; sub: Building | undefined },
    whole: RegexNode | undefined,
  ): Building {
    const item = items[i] as RegexNode
    const { min, max, prefer } = q
    let a = atom.sub ?? subre('=', 0, q.atom)
    const tFlags = combine(prefer, atom.kind === 'backref' ? BACKR : a.flags)
    let struct: Building
    if (atom.kind === 'backref') {
      // A back reference takes its quantifier itself.
      const group = (q.atom as Extract<RegexNode, { kind: 'backref' }>).group
      a = struct = subre('b', BACKR | combine(prefer, BACKR), item, [], { min, max, group })
    } else if (min === 1 && max === 1 && (prefer === 0 || (a.flags & 7) === 0 || prefer === (a.flags & 7))) {
      struct = a
    } else if ((a.flags & (CAP | BACKR)) === 0) {
      struct = subre('=', combine(prefer, a.flags), item)
    } else if (min > 0 && (a.flags & BACKR) === 0) {
      // x{m,n} as x{m-1,n-1}x, captures in the last x only.
      const f = combine(prefer, a.flags)
      const prefix: RegexNode = { kind: 'repeat', body: q.atom, min: min - 1, max: max - 1, greedy: true }
      struct = subre('.', f, item, [subre('=', pref(f), prefix), a])
    } else {
      struct = subre('*', combine(prefer, a.flags), item, [a], { min, max })
    }
    const vacuous = i === from
    const prefix = () => subre('=', flags, seqOf(items.slice(from, i)))
    const lang = from === 0 && whole !== undefined ? whole : seqOf(items.slice(from))
    if (i + 1 < items.length) {
      const rest = this.branch(items, i + 1)
      const tf = tFlags | combine(tFlags, rest.flags)
      const topFlags = flags | combine(flags, tf)
      if (vacuous) return subre('.', topFlags, lang, [struct, rest])
      const restLang = seqOf(items.slice(i))
      const merged = struct.op === '=' && rest.op === '=' && !messy(up(struct.flags | rest.flags))
      const t = merged ? subre('=', combine(struct.flags, rest.flags), restLang) : subre('.', tf, restLang, [struct, rest])
      return subre('.', topFlags, lang, [prefix(), t])
    }
    if (vacuous) return struct
    return subre('.', flags | combine(flags, struct.flags), lang, [prefix(), struct])
  }
}

/** Fills in each node's captures (those of its subtree). */
function noteCaptures(t: Building): readonly number[] {
  const below = t.children.flatMap(noteCaptures)
  t.captures = t.capno > 0 ? [t.capno, ...below] : below
  return t.captures
}

/**
 * Whether a leftmost-first engine (JavaScript's RegExp, RE2's default mode, the backtracking
 * engine's first match) provably ends its match where PostgreSQL's does, so that no engine needs to
 * look for the longest or shortest end. All start at the leftmost position where the RE matches;
 * the end is the same when one of these holds (positions counted in code points):
 * - the RE is anchored at the text's start and end ('^...$', SIMILAR TO's rewrite): one span;
 * - its top-level items (seen through parentheses) all have a fixed length, except at most one
 *   quantifier of one character (or bracket) that matches in PostgreSQL's direction: greedy, it
 *   tries counts from the most down, and the end grows with the count, so the first count that
 *   matches is the longest match; non-greedy, from the fewest up, the shortest;
 * - in a greedy RE without back references, exactly two such quantifiers, both greedy, the second
 *   followed by constraints only: the first takes the most characters it can (the second starts
 *   as late as it can), and from a later start the second reaches at least as far as from an
 *   earlier one (all it would take from the earlier start beyond the later one is characters of
 *   its own, and no more of them than it may take), so that end is the longest.
 * '(\w+)-x-(\w+)', 'foo.*bar', '[0-9]+', '<.*?>' are such; 'a|ab', '\d+|\d+\.\d+', 'a*(ab)?' are not.
 */
export function firstMatchIsPostgres(parsed: ParsedRegex): boolean {
  const items = topLevel(parsed.root, [])
  const [first, last] = [items[0], items[items.length - 1]]
  if (first?.kind === 'assert' && first.what === 'textStart' && last?.kind === 'assert' && last.what === 'textEnd') return true
  const quantifiers: number[] = []
  for (let i = 0; i < items.length; i++) {
    const n = items[i] as RegexNode
    if (fixedLength(n) !== undefined) continue
    if (n.kind !== 'repeat' || oneCharacter(n.body) === undefined) return false
    quantifiers.push(i)
  }
  if (quantifiers.length <= 1) {
    const q = items[quantifiers[0] ?? -1]
    return q === undefined || (q.kind === 'repeat' && q.greedy === parsed.longest)
  }
  if (quantifiers.length > 2 || !parsed.longest) return false
  const [x, y] = [items[quantifiers[0] as number], items[quantifiers[1] as number]]
  if (x?.kind !== 'repeat' || y?.kind !== 'repeat' || !x.greedy || !y.greedy) return false
  return items.slice((quantifiers[1] as number) + 1).every((n) => fixedLength(n) === 0)
}

/** Whether PostgreSQL's captures may differ from those of the first way through the pattern to
 * a given match, because its dissection gives each parenthesized subexpression and alternation
 * its own greediness as a whole (an alternation takes its longest match that lets the rest match,
 * not its first alternative that does; '(a*?b*)' its shortest; a repetition's last iteration the
 * shortest the others leave it: regex-dissect.ts): the pattern captures, and outside constraints
 * some alternation has alternatives that may match different lengths, some parentheses hold more
 * than one quantified character or fixed-length items, or a repetition of captures has iterations
 * that may differ in length. */
export function alternationMayMatter(parsed: ParsedRegex): boolean {
  const varies = (n: RegexNode): boolean => {
    switch (n.kind) {
      case 'alt': {
        const l = fixedLength(n.items[0] as RegexNode)
        return l === undefined || n.items.some((item) => fixedLength(item) !== l) || n.items.some(varies)
      }
      case 'seq':
        return n.items.some(varies)
      case 'group':
        if (fixedLength(n.body) === undefined && !(n.body.kind === 'repeat' && oneCharacter(n.body.body) !== undefined)) return true
        return varies(n.body)
      case 'repeat':
        // The captures of a repetition's last iteration: PostgreSQL's is as short as the others
        // let it be ('([ab]+)+' on 'abaa' captures 'a'), the first way's takes what the first
        // iterations leave.
        return (fixedLength(n.body) === undefined && captures(n.body)) || varies(n.body)
      default:
        return false
    }
  }
  return parsed.groups > 0 && varies(parsed.root)
}

/** Whether `n` holds a capturing group (never inside a lookaround: the parser numbers none there). */
function captures(n: RegexNode): boolean {
  return someNode(n, (m) => m.kind === 'group' && m.capture !== undefined)
}

/** The items of a sequence, seen through parentheses and nested sequences. */
function topLevel(n: RegexNode, out: RegexNode[]): RegexNode[] {
  if (n.kind === 'group') topLevel(n.body, out)
  else if (n.kind === 'seq') for (const item of n.items) topLevel(item, out)
  else out.push(n)
  return out
}

/** `n` when it is one character or bracket (seen through parentheses), else undefined. */
function oneCharacter(n: RegexNode): RegexNode | undefined {
  if (n.kind === 'group') return oneCharacter(n.body)
  return n.kind === 'char' || n.kind === 'set' ? n : undefined
}

/** The code points every match of `n` takes, when all take the same number; undefined otherwise
 * (and for a back reference, whose length is its group's). */
function fixedLength(n: RegexNode): number | undefined {
  switch (n.kind) {
    case 'empty':
    case 'assert':
    case 'look':
      return 0
    case 'char':
    case 'set':
      return 1
    case 'backref':
      return undefined
    case 'group':
      return fixedLength(n.body)
    case 'seq': {
      let sum = 0
      for (const item of n.items) {
        const l = fixedLength(item)
        if (l === undefined) return undefined
        sum += l
      }
      return sum
    }
    case 'alt': {
      const l = fixedLength(n.items[0] as RegexNode)
      return n.items.every((item) => fixedLength(item) === l) ? l : undefined
    }
    case 'repeat': {
      const l = fixedLength(n.body)
      return n.min === n.max && l !== undefined ? l * n.min : undefined
    }
  }
}

const invalidRegex = (detail: string) => new SqlError('2201B', `invalid regular expression: ${detail}`)

/** 2201B for a pattern nested deeper than the stack allows to parse or compile it: PostgreSQL's
 * REG_ETOOBIG. */
export const patternTooComplex = () => invalidRegex('regular expression is too complex')

function applyFlag(o: RegexOptions, f: string, embedded: boolean): void {
  if (f === 'i') o.icase = true
  else if (f === 'c') o.icase = false
  else if (f === 'g' && !embedded) o.global = true
  else if (f === 'n' || f === 'm') [o.nlStop, o.nlAnchor] = [true, true]
  else if (f === 'p') [o.nlStop, o.nlAnchor] = [true, false]
  else if (f === 'w') [o.nlStop, o.nlAnchor] = [false, true]
  else if (f === 's') [o.nlStop, o.nlAnchor] = [false, false]
  else if (f === 'x') o.expanded = true
  else if (f === 't') o.expanded = false
  else if (f === 'q') o.literal = true
  else if (f === 'e') return // ERE: the ARE features it lacks are rarely written; read as ARE
  else if (f === 'b') throw new SqlError('0A000', 'basic regular expressions (option "b") are not supported')
  else if (embedded) throw invalidRegex('invalid embedded option')
  else throw new SqlError('22023', `invalid regular expression option: "${f}"`)
}

/** PostgreSQL's largest repetition count in a bound (RE_DUP_MAX); larger ones are 2201B. */
const DUPMAX = 255

const CHAR_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, B: 0x5c, e: 0x1b, f: 0xc, n: 0xa, r: 0xd, t: 9, v: 0xb }
const CLASS_ESCAPES: Readonly<Record<string, ClassName>> = { d: 'digit', s: 'space', w: 'word' }
const CLASS_NAMES: ReadonlySet<string> = new Set<ClassName>([
  'alpha', 'digit', 'alnum', 'word', 'upper', 'lower', 'space', 'blank', 'punct', 'cntrl', 'xdigit', 'graph', 'print',
])
const WORD_ASSERTIONS: Readonly<Record<string, Assertion>> = { m: 'wordStart', M: 'wordEnd', y: 'wordBoundary', Y: 'notWordBoundary' }

/**
 * A POSIX (ARE) pattern with PostgreSQL's flags ('i', 'c', 'g', 'n'/'m', 'p', 'w', 's', 'x', 't',
 * 'q') and its pattern prefixes: '***=' (the rest is a literal), '***:' (an ARE) and embedded
 * options '(?letters)' at the start. 2201B when the pattern is invalid (also when it nests too
 * deep to parse: PostgreSQL's "regular expression is too complex"), 22023 for an unknown flag.
 */
export function parseRegex(pattern: string, flags: string, global: boolean): ParsedRegex {
  const o: RegexOptions = { icase: false, nlStop: false, nlAnchor: false, expanded: false, literal: false, global }
  for (const f of flags) applyFlag(o, f, false)
  let body = pattern
  if (!o.literal && body.startsWith('***=')) {
    body = body.slice(4)
    o.literal = true
  } else if (!o.literal) {
    if (body.startsWith('***:')) body = body.slice(4)
    const m = /^\(\?([a-zA-Z]+)\)/.exec(body)
    if (m !== null) {
      for (const f of m[1] as string) applyFlag(o, f, true)
      body = body.slice(m[0].length)
    }
  }
  if (o.literal) {
    const items = Array.from(body, (c) => literal(c.codePointAt(0) as number, o.icase))
    const root: RegexNode = { kind: 'seq', items }
    return { root, groups: 0, options: o, longest: true, tree: subexpressions(root, new Set()) }
  }
  try {
    const parser = new Parser(body, o)
    const root = parser.parse()
    const tree = subexpressions(root, parser.exactBounds)
    return { root, groups: parser.groups, options: o, longest: (tree.flags & SHORTER) === 0, tree }
  } catch (e) {
    // Nesting deep enough to exhaust the stack: PostgreSQL refuses such a pattern as REG_ETOOBIG.
    if (e instanceof RangeError) throw patternTooComplex()
    throw e
  }
}

/** Recursive descent over an ARE's code points: alternation, then concatenation, then quantified
 * atoms. */
class Parser {
  #i = 0
  groups = 0
  /** The repetitions written '{m}' or '{m}?', which take their atom's greediness ('{m,m}' is
   * greedy, '{m,m}?' not). */
  readonly exactBounds = new Set<RegexNode>()
  /** Open lookaround constraints: within one, PostgreSQL's parentheses do not capture and back
   * references are invalid. */
  #lookDepth = 0
  /** Capturing groups not closed yet: a back reference to one is invalid, as in PostgreSQL
   * ('(a\1)'). */
  readonly #open = new Set<number>()
  readonly #cps: readonly string[]

  constructor(pattern: string, private readonly o: RegexOptions) {
    this.#cps = Array.from(pattern)
  }

  parse(): RegexNode {
    const root = this.#alternation()
    if (this.#i < this.#cps.length) throw invalidRegex('parentheses () not balanced')
    return root
  }

  #peek(): string | undefined {
    this.#skipIgnored()
    return this.#cps[this.#i]
  }

  /** Expanded syntax ('x'): white space and '#' comments outside brackets are not part of it. */
  #skipIgnored(): void {
    if (!this.o.expanded) return
    const cps = this.#cps
    for (;;) {
      const c = cps[this.#i]
      if (c !== undefined && /\s/.test(c)) this.#i++
      else if (c === '#') while (this.#i < cps.length && cps[this.#i] !== '\n') this.#i++
      else return
    }
  }

  #alternation(): RegexNode {
    const branches = [this.#concatenation()]
    while (this.#peek() === '|') {
      this.#i++
      branches.push(this.#concatenation())
    }
    return branches.length === 1 ? (branches[0] as RegexNode) : { kind: 'alt', items: branches }
  }

  #concatenation(): RegexNode {
    const items: RegexNode[] = []
    for (let c = this.#peek(); c !== undefined && c !== '|' && c !== ')'; c = this.#peek()) {
      let atom = this.#atom()
      for (let q = this.#quantifier(); q !== undefined; q = this.#quantifier()) {
        // A constraint takes no quantifier, nor does a quantifier (PostgreSQL's REG_BADRPT).
        if (atom === undefined || atom.kind === 'assert' || atom.kind === 'look' || atom.kind === 'repeat') {
          throw invalidRegex('quantifier operand invalid')
        }
        const { exact, ...bounds } = q
        atom = { kind: 'repeat', body: atom, ...bounds }
        if (exact) this.exactBounds.add(atom)
      }
      if (atom === undefined) throw invalidRegex('quantifier operand invalid')
      items.push(atom)
    }
    return seqOf(items)
  }

  /** The quantifier at the cursor ('*', '+', '?', a bound, each optionally followed by '?'). */
  #quantifier(): { min: number; max: number; greedy: boolean; exact: boolean } | undefined {
    const c = this.#peek()
    let q: { min: number; max: number; exact: boolean } | undefined
    if (c === '*') q = { min: 0, max: Infinity, exact: false }
    else if (c === '+') q = { min: 1, max: Infinity, exact: false }
    else if (c === '?') q = { min: 0, max: 1, exact: false }
    else if (c === '{') {
      q = this.#bound()
      if (q === undefined) return undefined
    } else return undefined
    if (c !== '{') this.#i++
    const lazy = this.#cps[this.#i] === '?'
    if (lazy) this.#i++
    return { ...q, greedy: !lazy }
  }

  /** '{m}', '{m,}', '{m,n}' at the cursor are bounds; any other '{' is a literal brace, as in
   * PostgreSQL. */
  #boundAhead(): RegExpExecArray | null {
    return /^\{(\d+)(,(\d*))?\}/.exec(this.#cps.slice(this.#i, this.#i + 24).join(''))
  }

  #bound(): { min: number; max: number; exact: boolean } | undefined {
    const m = this.#boundAhead()
    if (m === null) return undefined
    const min = Number(m[1])
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3])
    if (min > DUPMAX || (max !== Infinity && (max > DUPMAX || max < min))) throw invalidRegex('invalid repetition count(s)')
    this.#i += Array.from(m[0]).length
    return { min, max, exact: m[2] === undefined }
  }

  /** The atom at the cursor; undefined at a quantifier (which has no operand there). */
  #atom(): RegexNode | undefined {
    const c = this.#cps[this.#i] as string
    if (c === '*' || c === '+' || c === '?' || (c === '{' && this.#boundAhead() !== null)) return undefined
    this.#i++
    if (c === '\\') return this.#escape()
    if (c === '[') return this.#bracket()
    if (c === '.') return { kind: 'set', set: { negated: true, items: this.o.nlStop ? [NEWLINE] : [] } }
    if (c === '^') return { kind: 'assert', what: this.o.nlAnchor ? 'lineStart' : 'textStart' }
    if (c === '$') return { kind: 'assert', what: this.o.nlAnchor ? 'lineEnd' : 'textEnd' }
    if (c === '(') return this.#group()
    return literal(c.codePointAt(0) as number, this.o.icase)
  }

  #group(): RegexNode {
    const rest = this.#cps.slice(this.#i, this.#i + 3).join('')
    const prefix = ['?:', '?=', '?!', '?<=', '?<!'].find((p) => rest.startsWith(p))
    if (prefix === undefined && rest.startsWith('?')) throw invalidRegex('quantifier operand invalid')
    this.#i += prefix?.length ?? 0
    const look = prefix !== undefined && prefix !== '?:'
    const capture = prefix === undefined && this.#lookDepth === 0 ? ++this.groups : undefined
    if (look) this.#lookDepth++
    if (capture !== undefined) this.#open.add(capture)
    const body = this.#alternation()
    if (capture !== undefined) this.#open.delete(capture)
    if (look) this.#lookDepth--
    if (this.#cps[this.#i] !== ')') throw invalidRegex('parentheses () not balanced')
    this.#i++
    if (look) return { kind: 'look', behind: prefix.startsWith('?<'), negated: prefix.endsWith('!'), body }
    return { kind: 'group', capture, body }
  }

  #hex(min: number, max: number): number {
    let s = ''
    while (s.length < max && /[0-9A-Fa-f]/.test(this.#cps[this.#i] ?? '')) s += this.#cps[this.#i++]
    if (s.length < min) throw invalidRegex('invalid escape \\ sequence')
    return Number.parseInt(s, 16)
  }

  #octal(): number {
    let s = ''
    while (s.length < 3 && /[0-7]/.test(this.#cps[this.#i] ?? '')) s += this.#cps[this.#i++]
    return s === '' ? 0 : Number.parseInt(s, 8)
  }

  /** After a backslash outside a bracket. */
  #escape(): RegexNode {
    const c = this.#cps[this.#i]
    if (c !== undefined && /[1-9]/.test(c)) {
      this.#i++
      // PostgreSQL's rule: one digit is a back reference; several are one when that many groups
      // precede, an octal character otherwise.
      const start = this.#i - 1
      let digits = c
      while (/[0-9]/.test(this.#cps[this.#i] ?? '')) digits += this.#cps[this.#i++]
      const n = Number(digits)
      if (digits.length === 1 || n <= this.groups) {
        if (n > this.groups || this.#lookDepth > 0 || this.#open.has(n)) throw invalidRegex('invalid backreference number')
        return { kind: 'backref', group: n }
      }
      this.#i = start
      return literal(codePoint(this.#octal()), this.o.icase)
    }
    if (c === 'A') return this.#skip({ kind: 'assert', what: 'textStart' })
    if (c === 'Z') return this.#skip({ kind: 'assert', what: 'textEnd' })
    const word = c === undefined ? undefined : WORD_ASSERTIONS[c]
    if (word !== undefined) return this.#skip({ kind: 'assert', what: word })
    const e = this.#classOrChar()
    return e.kind === 'char' ? literal(e.cp, this.o.icase) : { kind: 'set', set: { negated: false, items: [this.#classItem(e.item)] } }
  }

  #skip(node: RegexNode): RegexNode {
    this.#i++
    return node
  }

  /** After a backslash, in or out of a bracket: a character escape or a class escape. */
  #classOrChar(): { kind: 'char'; cp: number } | { kind: 'class'; item: SetItem } {
    const c = this.#cps[this.#i++]
    if (c === undefined) throw invalidRegex('invalid escape \\ sequence')
    const code = CHAR_ESCAPES[c]
    if (code !== undefined) return { kind: 'char', cp: code }
    const cls = CLASS_ESCAPES[c.toLowerCase()]
    if (cls !== undefined) return { kind: 'class', item: { kind: 'class', name: cls, negated: c !== c.toLowerCase() } }
    if (c === 'c') {
      const x = this.#cps[this.#i++]
      if (x === undefined) throw invalidRegex('invalid escape \\ sequence')
      return { kind: 'char', cp: (x.codePointAt(0) as number) & 0x1f }
    }
    if (c === 'u') return { kind: 'char', cp: codePoint(this.#hex(4, 4)) }
    if (c === 'U') return { kind: 'char', cp: codePoint(this.#hex(8, 8)) }
    if (c === 'x') return { kind: 'char', cp: codePoint(this.#hex(1, 8)) }
    if (c === '0') return { kind: 'char', cp: codePoint(this.#octal()) }
    if (/[\p{L}\p{N}]/u.test(c)) throw invalidRegex('invalid escape \\ sequence')
    return { kind: 'char', cp: c.codePointAt(0) as number }
  }

  /** A bracket expression, from after its '['. */
  #bracket(): RegexNode {
    const cps = this.#cps
    const ahead = cps.slice(this.#i, this.#i + 6).join('')
    if (ahead === '[:<:]]' || ahead === '[:>:]]') {
      this.#i += 6
      return { kind: 'assert', what: ahead[2] === '<' ? 'wordStart' : 'wordEnd' }
    }
    let negated = false
    if (cps[this.#i] === '^') {
      negated = true
      this.#i++
    }
    const items: SetItem[] = []
    for (let first = true; ; first = false) {
      const c = cps[this.#i]
      if (c === undefined) throw invalidRegex('brackets [] not balanced')
      if (c === ']' && !first) {
        this.#i++
        break
      }
      const lo = this.#element()
      const range = cps[this.#i] === '-' && cps[this.#i + 1] !== undefined && cps[this.#i + 1] !== ']'
      if (lo.kind === 'class') {
        if (range) throw invalidRegex('invalid character range')
        items.push(this.#classItem(lo.item))
      } else if (range) {
        this.#i++
        const hi = this.#element()
        if (hi.kind === 'class' || hi.cp < lo.cp) throw invalidRegex('invalid character range')
        items.push(...this.#range(lo.cp, hi.cp))
      } else if (lo.kind === 'collating') items.push(...this.#range(lo.cp, lo.cp))
      else items.push(...(this.o.icase ? allCases(lo.cp) : [single(lo.cp)]))
    }
    // In newline-sensitive mode a negated bracket does not match a newline.
    if (negated && this.o.nlStop) items.push(NEWLINE)
    return { kind: 'set', set: { negated, items } }
  }

  /** A range in a bracket; under 'i', with the lowercase and uppercase of each of its characters
   * (PostgreSQL's range()). */
  #range(lo: number, hi: number): SetItem[] {
    const r: SetItem = { kind: 'range', lo, hi }
    return this.o.icase ? [r, ...caseVariantsOutside(lo, hi).map(single)] : [r]
  }

  /** A class in a bracket or escape; under 'i', upper and lower are alpha, as in PostgreSQL. */
  #classItem(item: SetItem): SetItem {
    return this.o.icase && item.kind === 'class' && (item.name === 'upper' || item.name === 'lower') ? { ...item, name: 'alpha' } : item
  }

  /** One bracket element: a character (possibly a range end), a collating element ('[.x.]', a
   * range of one in PostgreSQL) or a class. */
  #element(): { kind: 'char' | 'collating'; cp: number } | { kind: 'class'; item: SetItem } {
    const cps = this.#cps
    const c = cps[this.#i++] as string
    if (c === '[' && (cps[this.#i] === ':' || cps[this.#i] === '.' || cps[this.#i] === '=')) {
      const delim = cps[this.#i] as string
      const end = cps.indexOf(delim, this.#i + 1)
      if (end < 0 || cps[end + 1] !== ']') throw invalidRegex('brackets [] not balanced')
      const name = cps.slice(this.#i + 1, end).join('')
      this.#i = end + 2
      if (delim === ':') {
        if (!CLASS_NAMES.has(name)) throw invalidRegex('invalid character class')
        return { kind: 'class', item: { kind: 'class', name: name as ClassName, negated: false } }
      }
      // [.x.] and [=x=] of a single character are that character (no multi-character collating
      // elements in a UTF8 database); named elements are not supported.
      if (Array.from(name).length !== 1) throw invalidRegex('invalid collating element')
      return { kind: delim === '.' ? 'collating' : 'char', cp: name.codePointAt(0) as number }
    }
    if (c === '\\') return this.#classOrChar()
    return { kind: 'char', cp: c.codePointAt(0) as number }
  }
}

const NEWLINE: SetItem = { kind: 'range', lo: 0x0a, hi: 0x0a }

const single = (cp: number): SetItem => ({ kind: 'range', lo: cp, hi: cp })

/** PostgreSQL's allcases: under 'i' a character of the pattern matches its lowercase and its
 * uppercase (case-mapping.ts), not case-folded text ('ſ' ~* 's' is false, 'ǅ' ~* 'ǅ' too: a
 * titlecase letter is neither), and the text is not folded. */
function allCases(cp: number): SetItem[] {
  const [l, u] = [lowerOf(cp), upperOf(cp)]
  return l === u ? [single(l)] : [single(l), single(u)]
}

/** A character of the pattern outside brackets. */
function literal(cp: number, icase: boolean): RegexNode {
  if (!icase || (lowerOf(cp) === cp && upperOf(cp) === cp)) return { kind: 'char', cp }
  return { kind: 'set', set: { negated: false, items: allCases(cp) } }
}

/** An escaped code point; one past Unicode's last (\x110000, \U00110000) is PostgreSQL's 2201B. */
function codePoint(cp: number): number {
  if (!(cp >= 0 && cp <= 0x10ffff)) throw invalidRegex('invalid escape \\ sequence')
  return cp
}
