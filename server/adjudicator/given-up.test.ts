// Unit tests of GivenUp (the commits a coordinator's run gave up, for participants whose finish was
// lost to ask about). Goal: it answers exactly the txIds given up, and stays bounded in count and
// age (the oldest forgotten first). Method: a virtual clock.
import { expect, test } from 'bun:test'
import { SimClock } from '../clock/index.ts'
import { GivenUp } from './index.ts'
import { GIVEN_UP_KEPT_MS } from './constants.ts'

test('names only the txIds given up, forgetting the oldest beyond the count', () => {
  const givenUp = new GivenUp(new SimClock(), { remembered: 3, keptMs: 1_000 })
  for (const txId of ['a', 'b', 'c', 'd']) givenUp.add(txId)
  expect(givenUp.of(['a', 'b', 'c', 'd', 'e'])).toEqual(['b', 'c', 'd'])
  expect(givenUp.has('a')).toBe(false)
  // Given up again: kept from then, so the next to go is the oldest other.
  givenUp.add('b')
  givenUp.add('e')
  expect(givenUp.of(['b', 'c', 'd', 'e'])).toEqual(['b', 'd', 'e'])
  expect(givenUp.size).toBe(3)
})

test('forgets those older than the age limit, by default the reservation lapse', () => {
  const clock = new SimClock()
  const givenUp = new GivenUp(clock)
  givenUp.add('old')
  clock.advance(GIVEN_UP_KEPT_MS / 2)
  givenUp.add('young')
  clock.advance(GIVEN_UP_KEPT_MS / 2)
  expect(givenUp.of(['old', 'young'])).toEqual(['old', 'young'])
  clock.advance(1)
  expect(givenUp.of(['old', 'young'])).toEqual(['young'])
  expect(givenUp.size).toBe(1)
})
