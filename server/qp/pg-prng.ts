// PostgreSQL's pseudo-random generator (ARCHITECTURE.md "query processor": evaluate): random(),
// random(min, max) and random_normal() draw from xoroshiro128** as PostgreSQL's pg_prng does, and
// setseed(x) seeds it the same way (splitmix64 of x scaled to 52 bits), so after setseed the
// float8 and integer sequences are PostgreSQL's own.

const MASK64 = (1n << 64n) - 1n

const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & MASK64

function splitmix64(state: { s: bigint }): bigint {
  state.s = (state.s + 0x9e3779b97f4a7c15n) & MASK64
  let v = state.s
  v = ((v ^ (v >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64
  v = ((v ^ (v >> 27n)) * 0x94d049bb133111ebn) & MASK64
  return v ^ (v >> 31n)
}

/** One generator's state: two 64-bit words, never both zero. */
export class PgPrng {
  #s0: bigint
  #s1: bigint

  /** Seeded from a 64-bit value (pg_prng_seed). */
  constructor(seed: bigint) {
    const state = { s: seed & MASK64 }
    this.#s0 = splitmix64(state)
    this.#s1 = splitmix64(state)
    // xoroshiro is stuck at all zeroes (pg_prng_seed_check's remedy).
    if (this.#s0 === 0n && this.#s1 === 0n) this.#s0 = 0x5851f42d4c957f2dn
  }

  /** A generator in this one's state, drawing independently from now on. */
  clone(): PgPrng {
    const copy = new PgPrng(0n)
    copy.#s0 = this.#s0
    copy.#s1 = this.#s1
    return copy
  }

  /** setseed's seeding (pg_prng_fseed): the seed in [-1, 1] scaled by 2^52 - 1, as an int64. */
  static fromFloat(seed: number): PgPrng {
    return new PgPrng(BigInt(Math.trunc((2 ** 52 - 1) * seed)))
  }

  /** The next 64 random bits. */
  next64(): bigint {
    const s0 = this.#s0
    const sx = this.#s1 ^ s0
    const value = (rotl((s0 * 5n) & MASK64, 7n) * 9n) & MASK64
    this.#s0 = rotl(s0, 24n) ^ sx ^ ((sx << 16n) & MASK64)
    this.#s1 = rotl(sx, 37n)
    return value
  }

  /** Uniform in [0, 1): the top 52 bits (pg_prng_double). */
  double(): number {
    return Number(this.next64() >> 12n) * 2 ** -52
  }

  /** Uniform in [0, range] by rejection of the bits above range's highest (pg_prng_uint64_range);
   * a range of 0 draws nothing. */
  uint64Upto(range: bigint): bigint {
    if (range <= 0n) return 0n
    const shift = 64n - BigInt(range.toString(2).length)
    for (;;) {
      const v = this.next64() >> shift
      if (v <= range) return v
    }
  }

  /** A standard normal deviate by Box-Muller (pg_prng_double_normal), both uniforms in (0, 1]. */
  normal(): number {
    const u1 = 1 - this.double()
    const u2 = 1 - this.double()
    return Math.sqrt(-2 * Math.log(u1)) * Math.sin(2 * Math.PI * u2)
  }
}
