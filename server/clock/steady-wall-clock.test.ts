// Goal: a steady wall clock follows its clock forward and holds still while that clock steps
// back, so bounds built on it (GC's horizon, the age check) never move backwards. Method: a wall
// clock set back and forth by hand.
import { expect, test } from 'bun:test'
import { steadyWallClock } from './index.ts'

test('a steady wall clock never answers less than before, and follows the clock forward again', () => {
  let now = 1_000
  const steady = steadyWallClock({ wallMs: () => now })
  expect(steady.wallMs()).toBe(1_000)
  now = 1_100
  expect(steady.wallMs()).toBe(1_100)
  now = 1_040
  expect(steady.wallMs()).toBe(1_100)
  now = 1_150
  expect(steady.wallMs()).toBe(1_150)
})
