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

/** The flags of a command that takes no positional argument; a stray one is an error naming it. */
export function flagsOnly({ flags, positional }: ParsedArgs): ReadonlyMap<string, string> {
  if (positional.length > 0) throw new Error(`unexpected argument "${positional[0]}"`)
  return flags
}

/** What a command's `parse` answers when `--help` was asked (checked before or after its other
 * checks, as the command chooses). */
export const HELP: unique symbol = Symbol('help')

/** Where a command writes its usage: whole lines, each writer adding the newline. */
export interface UsageOut {
  readonly stdout: (line: string) => void
  readonly stderr: (line: string) => void
}

const consoleOut: UsageOut = {
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
}

/** Parses a command's arguments: its usage on stdout and exit 0 for `--help`, on stderr after the
 * error and exit 2 for bad usage (nothing starts then), else what `parse` made of them. */
export function usageChecked<T>(command: string, text: string, parse: () => T | typeof HELP, out: UsageOut = consoleOut): T | number {
  let parsed: T | typeof HELP
  try {
    parsed = parse()
  } catch (e) {
    out.stderr(`tessera ${command}: ${(e as Error).message}\n${text}`)
    return 2
  }
  if (parsed !== HELP) return parsed
  out.stdout(text)
  return 0
}

/** Parses a duration like `15m`, `1h`, `30s`, `7d`, `250ms` into milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim())
  if (!m) throw new Error(`bad duration "${text}" (use e.g. 30s, 15m, 1h, 7d)`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms']
  return Number(m[1]) * unit
}
