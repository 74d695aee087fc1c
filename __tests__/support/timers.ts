/** Every timer (setTimeout, setInterval) created while `run` runs, to check which keep the process alive. */
import { jest } from '@jest/globals'

export async function timersCreatedDuring(run: () => Promise<unknown>): Promise<NodeJS.Timeout[]> {
  const timers: NodeJS.Timeout[] = []
  const { setTimeout: realTimeout, setInterval: realInterval } = globalThis
  const spies = [
    jest.spyOn(globalThis, 'setTimeout').mockImplementation(((...args: Parameters<typeof realTimeout>) => {
      const t = realTimeout(...args)
      timers.push(t)
      return t
    }) as typeof realTimeout),
    jest.spyOn(globalThis, 'setInterval').mockImplementation(((...args: Parameters<typeof realInterval>) => {
      const t = realInterval(...args)
      timers.push(t)
      return t
    }) as typeof realInterval),
  ]
  try {
    await run()
  } finally {
    for (const spy of spies) spy.mockRestore()
  }
  return timers
}
