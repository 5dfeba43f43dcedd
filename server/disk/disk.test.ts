// The Disk contract (server/disk/index.ts) run against both implementations: the host file system
// in a temporary directory and the in-memory simulator.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { diskContract } from './disk.contract.ts'
import { NodeDisk, SimDisk } from './index.ts'

diskContract('NodeDisk', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-disk-'))
  return {
    disk: new NodeDisk(),
    root,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  }
})

diskContract('SimDisk', () => {
  const disk = new SimDisk()
  disk.mkdirp('/data')
  return { disk, root: '/data' }
})
