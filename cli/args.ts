// Command-line flag parsing shared by the tessera subcommands.

/** Parsed `--name value` flags and positional arguments. Boolean flags get the value 'true'.
 * `--help` and `-h` are always the boolean flag `help`. */
export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, string>
  readonly positional: readonly string[]
}

/** Parses `--flag value`, `--flag=value` and positionals; `booleans` take no value. With
 * `values`, the flags that take one, any other flag is an error naming it: a mistyped flag
 * (`--rol admin`, `--prot 7901`) must not be dropped silently, leaving its default in force. */
export function parseArgs(args: readonly string[], booleans: readonly string[] = [], values?: readonly string[]): ParsedArgs {
  const flags = new Map<string, string>()
  const positional: string[] = []
  const check = (name: string) => {
    if (values !== undefined && !values.includes(name) && !booleans.includes(name)) throw new Error(`unknown flag --${name}`)
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '--help' || arg === '-h') {
      flags.set('help', 'true')
      continue
    }
    // `--` and a letter: SQL text such as `-- a comment` stays a positional.
    if (!/^--[A-Za-z]/.test(arg)) {
      positional.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    if (eq > 0) {
      check(arg.slice(2, eq))
      flags.set(arg.slice(2, eq), arg.slice(eq + 1))
    } else if (booleans.includes(arg.slice(2))) {
      flags.set(arg.slice(2), 'true')
    } else {
      check(arg.slice(2))
      const value = args[i + 1]
      if (value === undefined) throw new Error(`flag ${arg} needs a value`)
      flags.set(arg.slice(2), value)
      i++
    }
  }
  return { flags, positional }
}

/** The limit flags of `tessera start`, which `tessera cluster` hands on to every region. */
export const LIMIT_FLAGS = ['statement-timeout', 'rows-modified-max', 'tx-bytes-max', 'body-bytes-max', 'tx-age-max', 'idle-timeout']

/** Parses a command's arguments: its usage on stdout and exit 0 for `--help`, on stderr after the
 * error and exit 2 for bad usage (nothing starts then), else the flags. */
export function usageChecked(command: string, text: string, parse: () => ReadonlyMap<string, string>): ReadonlyMap<string, string> | number {
  let flags: ReadonlyMap<string, string>
  try {
    flags = parse()
  } catch (e) {
    console.error(`tessera ${command}: ${(e as Error).message}\n${text}`)
    return 2
  }
  if (!flags.has('help')) return flags
  console.log(text)
  return 0
}

/** Parses a duration like `15m`, `1h`, `30s`, `7d`, `250ms` into milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim())
  if (!m) throw new Error(`bad duration "${text}" (use e.g. 30s, 15m, 1h, 7d)`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms']
  return Number(m[1]) * unit
}
