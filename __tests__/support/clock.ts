/** A test file's clock: Date.now() answers `clock.now`, set back to `start` before each test and restored after. */
import { jest } from '@jest/globals'

export function useFakeClock(start: number): { now: number } {
  const clock = { now: start }
  beforeEach(() => {
    clock.now = start
    jest.spyOn(Date, 'now').mockImplementation(() => clock.now)
  })
  afterEach(() => jest.restoreAllMocks())
  return clock
}
