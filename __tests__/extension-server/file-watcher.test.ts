/**
 * watchFile: one call per burst of changes to the file, whether it is written in place or
 * replaced by rename (as editors save); none for other files in its directory; and it never
 * keeps the process alive.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { watchFile, type FileWatcher } from '../../lib/extension-server/file-watcher.js'
import { timersCreatedDuring } from '../support/timers.js'

/** Wide, so that a loaded machine's late events still fall within one burst. */
const DEBOUNCE_MS = 300
/** Long enough for any event and its debounce to have been delivered. */
const SETTLE_MS = 1_200

let dir: string
let path: string
let watcher: FileWatcher | undefined
let calls: number

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'middy-secrets-watch-'))
  path = join(dir, 'secrets.json')
  writeFileSync(path, '{}')
  calls = 0
})
afterEach(() => {
  watcher?.close()
  watcher = undefined
  rmSync(dir, { recursive: true, force: true })
})

const settle = (ms = SETTLE_MS): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function watch(): void {
  watcher = watchFile(path, () => (calls += 1), { debounceMs: DEBOUNCE_MS })
}

it('calls back once for a burst of writes', async () => {
  watch()
  // Apart enough that each write is its own event, closer than the debounce.
  for (let i = 0; i < 5; i++) {
    writeFileSync(path, `{"n":${i}}`)
    await settle(DEBOUNCE_MS / 10)
  }
  await settle()
  expect(calls).toBe(1)
  writeFileSync(path, '{"n":"again"}')
  await settle()
  expect(calls).toBe(2)
})

it('calls back when the file is replaced by rename, again and again', async () => {
  watch()
  for (const round of [1, 2]) {
    writeFileSync(join(dir, 'secrets.json.tmp'), `{"round":${round}}`)
    renameSync(join(dir, 'secrets.json.tmp'), path)
    await settle()
    expect(calls).toBe(round)
  }
})

it('ignores other files in the directory', async () => {
  watch()
  writeFileSync(join(dir, 'other.json'), '{}')
  writeFileSync(join(dir, 'secrets.json.swp'), 'x')
  await settle()
  expect(calls).toBe(0)
})

it('stops calling back once closed, dropping a call still in its debounce', async () => {
  watcher = watchFile(path, () => (calls += 1), { debounceMs: 400 })
  writeFileSync(path, '{"n":1}')
  await settle(150) // the event has arrived; its call is pending
  watcher.close()
  await settle()
  writeFileSync(path, '{"n":2}')
  await settle()
  expect(calls).toBe(0)
})

it('keeps nothing alive: neither the watch nor a pending debounce', async () => {
  const before = process.getActiveResourcesInfo()
  // The timers the watcher makes, checked themselves: counting the process's timers also counts
  // whatever else is pending at that moment (a flaky count on a loaded machine).
  const timers = await timersCreatedDuring(async () => {
    watcher = watchFile(path, () => (calls += 1), { debounceMs: 5000 })
    writeFileSync(path, '{"n":1}')
    // Until the event has arrived and its debounce timer is pending (setImmediate makes no timer).
    const until = Date.now() + 200
    while (Date.now() < until) await new Promise((resolve) => setImmediate(resolve))
  })
  expect(timers.length).toBeGreaterThan(0)
  expect(timers.filter((t) => t.hasRef())).toEqual([])
  expect(difference(process.getActiveResourcesInfo(), before).filter((resource) => resource === 'FSEventWrap')).toEqual([])
})

/** What `after` holds beyond `before` (a multiset difference). */
function difference(after: string[], before: string[]): string[] {
  const left = [...before]
  return after.filter((resource) => {
    const index = left.indexOf(resource)
    if (index === -1) return true
    left.splice(index, 1)
    return false
  })
}
