/**
 * Calls back when a file changes. It watches the file's directory, not the file: editors that
 * save by writing a new file and renaming it over the old one replace the inode a file watch
 * would follow. Bursts of events (one save can be several) are debounced into one call.
 * Neither the watch nor the debounce timer keeps the process alive.
 */
import { watch } from 'node:fs'
import { basename, dirname } from 'node:path'

export interface FileWatcher {
  close(): void
}

export interface WatchOptions {
  /** Quiet time after the last event before `onChange` runs (default 100 ms). */
  readonly debounceMs?: number
  /** The directory cannot be watched any longer (removed, say); the watch has stopped. */
  readonly onError?: (error: Error) => void
}

export function watchFile(path: string, onChange: () => void, options: WatchOptions = {}): FileWatcher {
  const name = basename(path)
  let timer: NodeJS.Timeout | undefined
  const watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
    // Some platforms do not say which file changed: then it may be ours.
    if (changed !== null && changed !== name) return
    clearTimeout(timer)
    timer = setTimeout(onChange, options.debounceMs ?? 100)
    timer.unref()
  })
  watcher.on('error', (error) => {
    clearTimeout(timer)
    watcher.close()
    options.onError?.(error)
  })
  return {
    close() {
      clearTimeout(timer)
      watcher.close()
    },
  }
}
