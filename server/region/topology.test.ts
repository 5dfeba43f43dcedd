// Goal: a topology is checked before a region trusts it (22023 naming the problem), and the
// closed-timestamp lead follows the documented rule: explicit, else the slowest leader's quorum
// round trip plus its link to the other full regions, a heartbeat, twice the clock-error bound and
// a millisecond, else none.
import { describe, expect, test } from 'bun:test'
import { isSqlError } from '../errors/index.ts'
import { closedLeadMsOf, parseTopology } from './topology.ts'

const regions = [
  { name: 'a', role: 'full', port: 1 },
  { name: 'b', role: 'full', port: 2 },
  { name: 'w', role: 'witness', port: 3 },
]

const errorOf = (json: unknown): string => {
  try {
    parseTopology(json)
  } catch (e) {
    return isSqlError(e) ? `${e.code} ${e.message}` : String(e)
  }
  return 'no error'
}

describe('topology', () => {
  test('bad topologies are refused with 22023', () => {
    expect(errorOf({ regions: [] })).toStartWith('22023 bad topology: regions')
    expect(errorOf({ regions: [regions[2]] })).toBe('22023 bad topology: no full region')
    expect(errorOf({ regions: [regions[0], regions[0]] })).toBe('22023 bad topology: region names repeat')
    expect(errorOf({ regions, links: [{ from: 'a', to: 'x', delayMs: 1 }] })).toBe('22023 bad topology: link names unknown region "x"')
    expect(errorOf({ regions, closedTimestampLeadMs: -1 })).toStartWith('22023 bad topology: closedTimestampLeadMs')
    expect(errorOf({ regions, closedTimestampLeadMs: 2_001 })).toStartWith('22023 bad topology: closedTimestampLeadMs')
  })

  test('the closed-timestamp lead: explicit, derived from full-region links, or none', () => {
    const heartbeat = 5
    // No declared delay (a local cluster): no lead.
    expect(closedLeadMsOf(parseTopology({ regions }), heartbeat)).toBe(0)
    // Links to the witness do not count: it has no readers.
    expect(closedLeadMsOf(parseTopology({ regions, links: [{ from: 'a', to: 'w', delayMs: 30 }] }), heartbeat)).toBe(0)
    const wan = { regions, clockErrorBoundMs: 2, links: [{ from: 'a', to: 'b', delayMs: 10, jitterMs: 1 }, { from: 'a', to: 'w', delayMs: 30 }] }
    expect(closedLeadMsOf(parseTopology(wan), heartbeat)).toBe(3 * (10 + 1) + heartbeat + 2 * 2 + 1)
    // A quorum that needs witnesses: 2 full regions and 3 witnesses make 5, a majority is 3, so a
    // leader waits for the second-nearest other region (a witness 20 ms away), not just for the
    // other full region 10 ms away.
    const witnesses = {
      regions: [...regions, { name: 'w2', role: 'witness', port: 4 }, { name: 'w3', role: 'witness', port: 5 }],
      clockErrorBoundMs: 2,
      links: [{ from: 'a', to: 'b', delayMs: 10 }, { from: 'a', to: 'w', delayMs: 20 }, { from: 'b', to: 'w', delayMs: 20 },
        { from: 'a', to: 'w2', delayMs: 40 }, { from: 'b', to: 'w2', delayMs: 40 }, { from: 'a', to: 'w3', delayMs: 40 }, { from: 'b', to: 'w3', delayMs: 40 }],
    }
    expect(closedLeadMsOf(parseTopology(witnesses), heartbeat)).toBe(2 * 20 + 10 + heartbeat + 2 * 2 + 1)
    expect(closedLeadMsOf(parseTopology({ ...wan, closedTimestampLeadMs: 3 }), heartbeat)).toBe(3)
    expect(closedLeadMsOf(parseTopology({ ...wan, closedTimestampLeadMs: 0 }), heartbeat)).toBe(0)
  })
})
