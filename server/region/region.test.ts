// ARCHITECTURE.md step 2, "a transaction sees every commit that finished before it began":
// the region picks snapshots at the crossbar's frontier rather than waiting for in-flight fsyncs.
// Method: a real region on real files (fsync on) under concurrent writers; right after each
// acknowledged commit a new transaction must read that commit's row, and must not see rows of
// commits that were never acknowledged.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SystemClock, SystemRandom } from '../clock/index.ts'
import { NodeDisk } from '../disk/index.ts'
import { openRegion } from './index.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-region-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('region: strongly consistent snapshots', () => {
  test('a transaction begun after an acknowledged commit sees it, with fsyncs in flight', async () => {
    const clock = new SystemClock()
    const region = await openRegion({
      name: 'local', dataDir, url: 'http://127.0.0.1', clock, timers: clock, random: new SystemRandom(), disk: new NodeDisk(), auth: false,
    })
    try {
      const ddl = await region.qp.begin()
      await ddl.execute('CREATE TABLE seen (id int8 PRIMARY KEY, writer int4)')
      await ddl.commit()
      const writers = 16
      const perWriter = 40
      let checked = 0
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = 0; i < perWriter; i++) {
            const id = w * 1000 + i
            const tx = await region.qp.begin()
            await tx.execute('INSERT INTO seen VALUES ($1, $2)', [id, w])
            await tx.commit()
            const reader = await region.qp.begin({ readOnly: true })
            const found = await reader.execute('SELECT count(*) AS n FROM seen WHERE id <= $1 AND writer = $2', [id, w])
            await reader.commit()
            expect(found.rows).toEqual([[String(i + 1)]])
            checked++
          }
        }),
      )
      expect(checked).toBe(writers * perWriter)
    } finally {
      await region.close()
    }
  }, 30_000)
})
