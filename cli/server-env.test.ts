// Goal: every server process gets the runtime settings of bin/server-env.js when, and only when,
// its runtime starts with them (Bun refuses to start with a JavaScriptCore option it does not
// know). Method: real probes of this Bun and of a runtime that fails to start.
import { describe, expect, test } from 'bun:test'
import { SERVER_ENV, serverEnv } from '../bin/server-env.js'

describe('server runtime settings', () => {
  test('this Bun starts with every setting: a Bun upgrade that drops one fails here first', () => {
    const env = serverEnv({ PATH: process.env.PATH }, process.execPath)
    for (const [name, value] of Object.entries(SERVER_ENV)) expect([name, env[name]]).toEqual([name, value])
  })

  test('a runtime that does not start with them gets the environment unchanged', () => {
    expect(serverEnv({ A: '1' }, '/bin/false')).toEqual({ A: '1' })
  })

  test('a value already in the environment wins', () => {
    const name = Object.keys(SERVER_ENV)[0] as string
    expect(serverEnv({ [name]: '1' }, process.execPath)[name]).toBe('1')
  })
})
