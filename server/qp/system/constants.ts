// Limits of the system catalog (ARCHITECTURE.md "query processor": bind): the caches that keep
// catalog reads from parsing stored expressions again on every introspection query.

/** Stored DEFAULT and CHECK expressions kept parsed for printing (LRU, shared by the process). */
export const DEPARSE_CACHE_ENTRIES = 1000
