// Limits of the query processor (ARCHITECTURE.md "query processor", steps 1-4): every buffer,
// cache and wait of a transaction has a maximum here; QpLimits overrides the per-transaction ones.
import { assert } from '../errors/index.ts'

/** Rows inserted, updated or deleted per transaction (54000 beyond); a cascaded change counts. */
export const ROWS_MODIFIED_MAX = 10_000
/** Bytes of keys and values in a transaction's write buffer (54000 beyond), counted as its commit
 * record stores them: UTF-8 of the JSON-escaped strings (write-buffer.ts storedBytes), index
 * entries and deletes' keys included. */
export const TX_BYTES_MAX = 4 * 1024 * 1024
/** Per statement, checked while executing (57014 beyond). */
export const STATEMENT_TIMEOUT_MS = 30_000
/**
 * A statement's reads (a SELECT, the reads of DML) run in slices of about this long: between two
 * it lets the region's event loop run (other requests, commits, links, journals), so a long one
 * makes its region slower, not deaf. A request beside it waits about this long for each turn it
 * needs (a commit: its fsync, then its answer), so this sets how the thread is shared:
 * `bun bench/long-statement/run.ts`, 4 clients beside a long join, got 383 requests/s with 10 ms
 * slices and 1,854 with 2 ms (5,600 alone), the join then taking 167% of its time alone; alone,
 * a join takes the same time with or without slices (673 and 679 ms), a turn costing microseconds.
 */
export const STATEMENT_SLICE_MS = 2
/** Rows one result may hold (54000 beyond). */
export const RESULT_ROWS_MAX = 100_000
/** Longest wait for the storage frontier at begin (57014 beyond). */
export const SNAPSHOT_WAIT_MS_MAX = 10_000
/**
 * Bytes one key of an index (the primary key's included) may take, as PostgreSQL's btree takes
 * index rows of at most 2704 bytes (54000 beyond). A key is kept whole by every storage version,
 * every commit record and the adjudicators' history of recent keys, so one of megabytes costs
 * each of them; and it compares as a string on every lookup.
 */
export const KEY_BYTES_MAX = 2704
/** The hint of the transaction limits (rows modified, bytes of writes, 54000); a statement that
 * one transaction must hold whole (CREATE INDEX) answers its own instead. */
export const SPLIT_TRANSACTION_HINT = 'Split the change into smaller transactions.'
/** The statement clock is read once per this many rows processed. */
export const TIMEOUT_CHECK_ROWS = 256
/** Parsed statements kept per query processor (LRU). */
export const PARSE_CACHE_ENTRIES = 1000
/** Parsed index expressions and predicates kept for the index jobs of a process (LRU): a job
 * binds its index's few texts at each batch. */
export const INDEX_JOB_PARSE_ENTRIES = 64
/** Decoded table definitions kept (keyed by schema key and raw value). */
export const TABLE_CACHE_ENTRIES = 1000
/** Bound and planned statements kept (keyed by SQL, validated against table definitions). */
export const PLAN_CACHE_ENTRIES = 1000
/** Rows an ORDER BY, GROUP BY or DISTINCT may hold in memory (54000 beyond). */
export const SORT_ROWS_MAX = 1_000_000
/** Rows one sort call takes (a few milliseconds); an ORDER BY of more sorts chunks of this many
 * and merges them, so that it can pause between them (STATEMENT_SLICE_MS). */
export const SORT_CHUNK_ROWS = 4_096
/** Values (rows times columns) one statement may hold materialized at once: sorts, hash tables,
 * CTEs, subquery results (53200 beyond, PostgreSQL's out_of_memory). */
export const QUERY_VALUES_MAX = 8_000_000
/** Bytes of values (datum-bytes.ts: text and bytea by their length, arrays, records and jsonb by
 * their content) one statement may hold materialized at once, in the same places as
 * QUERY_VALUES_MAX (53200 beyond). A count alone let one ORDER BY over 150,000 rows of 20 kB hold
 * 3 GB of text (6.1 GB of process RSS on a real region, which blocked for 13 s sorting it). The
 * process heap holds about twice what is counted (strings, row arrays, the sort's copy). */
export const QUERY_BYTES_MAX = 256 * 1024 * 1024
/**
 * Bytes (as QUERY_BYTES_MAX counts them, results included) the statements waiting between two
 * slices may hold together. One statement at a time ran to its end before slices, so a region
 * held one statement's memory; now every paused one keeps its sorts, hashes and rows. A statement
 * that would pass this goes on without pausing instead (it holds the thread, as before slices).
 */
export const PAUSED_BYTES_MAX = 512 * 1024 * 1024
/** Bytes of values (as QUERY_BYTES_MAX counts them) one statement's result may carry (54000
 * beyond). The API builds a response whole: the rows, the wire rows, then one JSON text; a result
 * of 1 GB took 2.6 GB of RSS, one of 3 GB ran the process out of memory (6.1 GB, a 500) after
 * blocking the event loop for 13 s, long enough for the other regions to fail the region over. */
export const RESULT_BYTES_MAX = 128 * 1024 * 1024
/** Left sides of a join expected to give at most this many rows join the next table by key
 * lookups (index nested loop); larger ones hash-join. */
export const INDEX_JOIN_ROWS_MAX = 1000
/** Views nested deeper than this are refused (a cycle made by CREATE OR REPLACE VIEW). */
export const VIEW_DEPTH_MAX = 32
/** Grouping sets of one query beyond this are refused (CUBE of n keys has 2^n). */
export const GROUPING_SETS_MAX = 4096
/** Longer patterns than this are compiled on each call, not kept by the caches of compiled
 * patterns (posixRegex's programs, the regexp_* functions' compiled RegExps; REGEX_CACHE_ENTRIES
 * each, patterns come from data too): 256 of them hold at most 1 MiB of pattern text each. */
export const REGEX_CACHE_PATTERN_CHARS_MAX = 4096
/** Correlated subquery results remembered per subquery, by argument values. */
export const SUBQUERY_CACHE_ENTRIES = 10_000
/** Iterations of a recursive CTE (54000 beyond: a recursion that never ends). */
export const RECURSION_ITERATIONS_MAX = 100_000
/** Columns per table (PostgreSQL allows 1600). */
export const COLUMNS_MAX = 1600
/** Fields of a row constructor, ROW(a, b, ...) (54011 beyond): PostgreSQL's MaxTupleAttributeNumber. */
export const RECORD_FIELDS_MAX = 1664
/** Arguments of one function call (54023 beyond; an aggregate, its direct and ordered ones
 * together, has one fewer): PostgreSQL's FUNC_MAX_ARGS. */
export const FUNCTION_ARGUMENTS_MAX = 100
/** Characters of an identifier (PostgreSQL's NAMEDATALEN - 1). */
export const IDENTIFIER_LENGTH_MAX = 63
/** Compiled regular expressions kept, by pattern and flags (posixRegex's least recently used out,
 * the regexp_* functions' oldest out), so that a pattern taken from a column compiles once per
 * distinct value rather than once per row. */
export const REGEX_CACHE_ENTRIES = 256
/** Steps a backtracking engine may provably need for a pattern over a text for the pattern to
 * run on JavaScript's RegExp there (regex-js.ts): a few milliseconds at most, the bound being loose.
 * Beyond, RE2 or the step-bounded engine runs it. */
export const REGEX_JS_WORK_MAX = 1_000_000
/** Steps the backtracking regex engine and PostgreSQL's search (regex-dissect.ts) may take in one
 * scan of a subject (54001 beyond), a fixed allowance plus this many per UTF-16 unit of the
 * subject: the bound keeps a pattern's time linear in the text however the pattern backtracks,
 * including the refinements of RE2's matches over a global scan (posix-regex.ts). A step is one
 * attempt of one node of the pattern at one position (a back reference takes one per character
 * it compares, a repetition one per capture it saves); in PostgreSQL's search, one look-up of
 * where a node's matches end from a position, one end computed or merged, one split tried. 3 to
 * 60 ns here: the fixed part is 3 to 60 ms. */
export const REGEX_STEPS_BASE = 1_000_000
/** See REGEX_STEPS_BASE: patterns that need more than this many attempts per character (two
 * dozen quantified words tried at every position, or an exponential one) stop with 54001. */
export const REGEX_STEPS_PER_CHAR = 100
/** See REGEX_STEPS_BASE: the most steps one scan may take, whatever the subject's length, so one
 * call holds the thread for a bounded time even on the longest text. Measured to 54001 on texts of
 * a million characters (2 cores, loaded): most patterns 0.1 to 0.6 s ('[^x]{0,99}x(?=b)' 0.3 s,
 * '([^x]*)x.*?\1b' 0.1 s, 0.6 s under 'i' on non-ASCII text, a repetition of 1000 captures
 * 0.6 s); a lookbehind or a run of lookaheads at every position about 1 s; at worst about 4 s,
 * where every step tests a non-ASCII character against a class or a word constraint ('\Y'
 * written 99 times: 3.8 s; '[[:alpha:]]' 99 times: 2.9 s); PostgreSQL's search about as long
 * ('(a*)b\1c' over 750,000 characters, every split of the a's tried at each start: 6 s with the
 * machine loaded three times over). */
export const REGEX_STEPS_MAX = 100_000_000
/** Steps PostgreSQL's search (regex-dissect.ts) may take, from its scan's budget
 * (REGEX_STEPS_BASE), to dissect a match another engine found for its captures, or to find a
 * non-greedy RE's shortest end from its start (posix-regex.ts), plus REGEX_STEPS_PER_CHAR per
 * character of the match: polynomial in the match's length, with the nesting of repetitions as its
 * degree at worst, so a pathological pattern could spend a scan's whole budget (a million steps,
 * about 100 ms) on every row. Past this many (0.3 to 6 ms), the other engine's match stands;
 * common patterns take tens to hundreds ('(a|ab)(c|bcd)(d*)' on 20 characters: 101;
 * '(?:(?:((?:a)*?)|a)){1,3}' on 2,000: 58,000). */
export const REGEX_CAPTURE_STEPS_MAX = 100_000
/** Ends of matches (positions) one search of regex-dissect.ts's EndSets may hold in its memo of
 * where each node of a pattern can end from each position: it keeps a node's ends from a position
 * once computed, so that nested repetitions cost a polynomial instead of an exponential; past this
 * many (8 bytes each and their arrays, about 10 MB), it starts over, computing again what it needs
 * (each time within the step budget). A repetition of '.*' from each of n positions holds n^2/2. */
export const REGEX_MEMO_ENDS_MAX = 1_000_000
/** The work a global scan's RE2 searches may do between two checks of the statement timeout, in
 * characters times instructions of RE2's program: a search reads at most the rest of the text, at
 * 3 to 20 ns per character and instruction in re2js here, more for larger programs ('a*x|a', 7
 * instructions, 3 ns; '(?:a*){1,250}x|a', 754, 19 ns). So a quadratic scan checks every 3 to 20 ms;
 * on a text longer than this over the program size every search reads the clock, tens of ns
 * against the microseconds the search costs. */
export const REGEX_INTERRUPT_WORK = 1_000_000

assert(TIMEOUT_CHECK_ROWS > 0 && TIMEOUT_CHECK_ROWS <= ROWS_MODIFIED_MAX, 'timeout check interval')
assert(RESULT_ROWS_MAX <= SORT_ROWS_MAX, 'a result fits in a sort')
assert(RESULT_BYTES_MAX <= QUERY_BYTES_MAX, 'a result fits in what a statement may hold')
assert(QUERY_BYTES_MAX + RESULT_BYTES_MAX <= PAUSED_BYTES_MAX, 'the largest statement may pause while no other waits')
assert(REGEX_CACHE_ENTRIES > 0 && REGEX_JS_WORK_MAX > 0 && REGEX_STEPS_BASE > 0 && REGEX_STEPS_PER_CHAR > 0 && REGEX_STEPS_MAX >= REGEX_STEPS_BASE && REGEX_INTERRUPT_WORK > 0 && REGEX_CAPTURE_STEPS_MAX > 0 && REGEX_MEMO_ENDS_MAX > 0, 'regex bounds')
/** Steps (items visited, accessors and predicates tried) one jsonpath evaluation may take: 54000
 * beyond. `.**` with filters over a large document is the costly case: each step is well under a
 * microsecond, so the bound is tens of seconds at worst, and the statement timeout, checked every
 * JSONPATH_INTERRUPT_STEPS, usually ends it first. */
export const JSONPATH_STEPS_MAX = 100_000_000
/** Steps between two checks of the statement timeout in a jsonpath evaluation. */
export const JSONPATH_INTERRUPT_STEPS = 10_000
/** Items one jsonpath evaluation may produce (54000 beyond): its results are a statement's values. */
export const JSONPATH_ITEMS_MAX = QUERY_VALUES_MAX
