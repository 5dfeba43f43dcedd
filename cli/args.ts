// Command-line flag parsing shared by the tessera subcommands.

/** Parsed `--name value` flags and positional arguments. Boolean flags get the value 'true'. */
export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, string>
  readonly positional: readonly string[]
}

/** Parses `--flag value`, `--flag=value` and positionals; `booleans` take no value. */
export function parseArgs(args: readonly string[], booleans: readonly string[] = []): ParsedArgs {
  const flags = new Map<string, string>()
  const positional: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (!arg.startsWith('--')) {
      positional.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1))
    } else if (booleans.includes(arg.slice(2))) {
      flags.set(arg.slice(2), 'true')
    } else {
      const value = args[i + 1]
      if (value === undefined) throw new Error(`flag ${arg} needs a value`)
      flags.set(arg.slice(2), value)
      i++
    }
  }
  return { flags, positional }
}

/** Parses a duration like `15m`, `1h`, `30s`, `7d`, `250ms` into milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim())
  if (!m) throw new Error(`bad duration "${text}" (use e.g. 30s, 15m, 1h, 7d)`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms']
  return Number(m[1]) * unit
}
