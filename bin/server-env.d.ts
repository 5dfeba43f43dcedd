/** The runtime settings every Tessera server process starts with (see server-env.js). */
export declare const SERVER_ENV: Readonly<Record<string, string>>
/** `env` with SERVER_ENV's variables added where `env` does not set them, if `runtime` (default:
 * this process's executable) starts with them. */
export declare function serverEnv(env: NodeJS.ProcessEnv, runtime?: string): NodeJS.ProcessEnv
