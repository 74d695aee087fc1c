/** lib/limit.ts: the counting semaphore that bounds AWS requests in flight (`concurrency`). */
import { createLimit } from '../lib/limit.js'
import { deferred } from './support/deferred.js'

/** Lets every queued microtask (and promise chain) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

function tracked(limit: ReturnType<typeof createLimit>) {
  let active = 0
  let peak = 0
  const started: string[] = []
  const gates = new Map<string, ReturnType<typeof deferred<string>>>()
  function run(name: string): Promise<string> {
    const gate = deferred<string>()
    gates.set(name, gate)
    return limit(async () => {
      active += 1
      peak = Math.max(peak, active)
      started.push(name)
      try {
        return await gate.promise
      } finally {
        active -= 1
      }
    })
  }
  return { run, started, gates, get peak() { return peak }, get active() { return active } }
}

test('at most `concurrency` tasks run at once; the rest start in order as slots free', async () => {
  const t = tracked(createLimit(2))
  const results = ['a', 'b', 'c', 'd', 'e'].map((n) => t.run(n))
  await settle()
  expect(t.started).toEqual(['a', 'b'])
  t.gates.get('b')!.resolve('B')
  await settle()
  expect(t.started).toEqual(['a', 'b', 'c'])
  t.gates.get('a')!.resolve('A')
  await settle()
  expect(t.started).toEqual(['a', 'b', 'c', 'd'])
  for (const n of ['c', 'd']) t.gates.get(n)!.resolve(n.toUpperCase())
  await settle()
  t.gates.get('e')!.resolve('E')
  expect(await Promise.all(results)).toEqual(['A', 'B', 'C', 'D', 'E'])
  expect(t.peak).toBe(2)
})

test('a task that throws frees its slot, and the error reaches the caller', async () => {
  const limit = createLimit(1)
  const boom = new Error('boom')
  const first = limit(async () => {
    throw boom
  })
  const second = limit(async () => 'ok')
  await expect(first).rejects.toBe(boom)
  await expect(second).resolves.toBe('ok')
})

test('concurrency 1 runs tasks one after another', async () => {
  const t = tracked(createLimit(1))
  const all = ['a', 'b', 'c'].map((n) => t.run(n))
  for (const n of ['a', 'b', 'c']) {
    await settle()
    expect(t.started.at(-1)).toBe(n)
    expect(t.active).toBe(1)
    t.gates.get(n)!.resolve(n)
  }
  await Promise.all(all)
  expect(t.peak).toBe(1)
})

// A slot freed by a finishing task is promised to the first waiter; a task that arrives
// before that waiter resumes must not take the slot too. The new task is started k microtask
// turns after the first task finishes, for every k around the hand-over.
test.each([0, 1, 2, 3, 4, 5, 6, 7, 8])('the bound holds when a new task arrives %i microtasks after a slot is freed to a waiter', async (k) => {
  const t = tracked(createLimit(1))
  const a = t.run('a')
  const b = t.run('b') // waits for a's slot
  await settle()
  expect(t.started).toEqual(['a'])
  let c: Promise<string> | undefined
  t.gates.get('a')!.resolve('A')
  void (async () => {
    for (let i = 0; i < k; i++) await Promise.resolve()
    c = t.run('c')
  })()
  await settle()
  expect(t.peak).toBe(1)
  expect(t.active).toBe(1)
  t.gates.get(t.started.at(-1)!)!.resolve('x')
  await settle()
  for (const gate of t.gates.values()) gate.resolve('x')
  await Promise.all([a, b, c])
  expect(t.peak).toBe(1)
})

test('many tasks through a bound of 3 never exceed 3 and all finish', async () => {
  const limit = createLimit(3)
  let active = 0
  let peak = 0
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      limit(async () => {
        active += 1
        peak = Math.max(peak, active)
        await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5))
        active -= 1
        return i
      }),
    ),
  )
  expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i))
  expect(peak).toBe(3)
})
