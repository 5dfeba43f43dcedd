// Latency summaries for benches (STYLE.md: benches report p50 and p99 together).

/** One measured row: how many operations, how fast, and the latency distribution in ms. */
export interface Summary {
  readonly count: number
  readonly errors: number
  readonly seconds: number
  /** Successful operations per second. */
  readonly throughput: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

/** Nearest-rank percentile (`p` in [0, 100]) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * sorted.length)
  return sorted[Math.max(rank, 1) - 1] as number
}

/** Summarises latencies (ms, any order) of the successful operations of a run of `seconds`. */
export function summarize(latenciesMs: ArrayLike<number>, seconds: number, errors = 0): Summary {
  const sorted = Float64Array.from(latenciesMs).sort()
  let total = 0
  for (const x of sorted) total += x
  return {
    count: sorted.length,
    errors,
    seconds,
    throughput: seconds > 0 ? sorted.length / seconds : 0,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    mean: sorted.length > 0 ? total / sorted.length : Number.NaN,
  }
}

/** Collects latencies into a growable Float64Array (millions of samples without boxing). */
export class LatencyRecorder {
  #samples = new Float64Array(1 << 14)
  #count = 0

  add(ms: number): void {
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2)
      grown.set(this.#samples)
      this.#samples = grown
    }
    this.#samples[this.#count++] = ms
  }

  get count(): number {
    return this.#count
  }

  summarize(seconds: number, errors = 0): Summary {
    return summarize(this.#samples.subarray(0, this.#count), seconds, errors)
  }
}
