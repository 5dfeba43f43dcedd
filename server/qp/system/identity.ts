// Who and what the server says it is (ARCHITECTURE.md "query processor": bind): the database,
// role and version names that catalog relations and functions report.

/** current_database(), pg_database.datname and information_schema's *_catalog columns. */
export const DATABASE_NAME = 'tessera'
/** The one role: current_user, every object's owner (OID 10, PostgreSQL's bootstrap superuser). */
export const OWNER_NAME = 'tessera'
/** Tessera's release, as package.json and GET /v1 name it (a test keeps them equal). */
export const TESSERA_VERSION = '0.1.0'
/** The PostgreSQL release whose behaviour Tessera follows (server_version in settings.ts). */
export const POSTGRES_VERSION = '16.0'
/** version(): tools match /PostgreSQL (\d+)\.(\d+)/ at its start. */
export const VERSION_STRING = `PostgreSQL ${POSTGRES_VERSION} (Tessera ${TESSERA_VERSION}), 64-bit`
