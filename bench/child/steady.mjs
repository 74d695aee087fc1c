/**
 * The steady run, in a fresh process:
 *   node bench/child/steady.mjs <impl> <invocations> <ttl s> <work ms> <gap ms> <slow ms>
 *
 * One warm execution environment serving <invocations> invocations of a handler that reads 10
 * secrets, each value cached for <ttl> seconds. Each invocation does <work> ms of simulated work
 * (a busy loop on the real clock, in the handler); between two invocations the environment is
 * frozen for <gap> ms (freeze-clock.mjs: Date.now() and the global timers jump, nothing runs),
 * after one turn of the event loop (the runtime posting the answer and polling for the next
 * event). So the run covers invocations x (work + gap) ms of the function's time and crosses the
 * TTL boundary that many / ttl times, in a fraction of the real time.
 *
 *   ms          middy-secrets, defaults (refreshAhead on, when the build has it), ttl
 *   ms-off      middy-secrets, refreshAhead: 0 (reported unsupported when secrets() refuses the option)
 *   middy-peer  @middy/secrets-manager, cacheExpiry ttl x 1000 (its refresh at expiry runs on a timer)
 *   pt-all      Powertools getSecret x10, Promise.all, maxAge ttl, in middy
 *   none        middy, no middleware, the same work: the machine's own spread of invocation times
 *
 * Reports every invocation's real duration (performance.now() around `await handler()`), the
 * work the handler measured, and the real start / end (epoch ms) of every invocation slower than
 * work + <slow> ms, which the parent matches with the server's call log: a slow invocation with a
 * request in flight waited on a fetch.
 */
import { freeze, frozenFor, timersDue } from './freeze-clock.mjs'
import { countCorrect, createHandler, fail, finish, lambdaContext, loadImplementation, performance, scenario } from './common.mjs'

const [impl, invocationsArg, ttlArg, workArg, gapArg, slowArg] = process.argv.slice(2)
const INVOCATIONS = Number(invocationsArg)
const TTL = Number(ttlArg)
const WORK = Number(workArg)
const GAP = Number(gapArg)
const SLOW = Number(slowArg)
const COUNT = 10

const realNow = () => performance.now()
let lastWork = 0
function work() {
  const start = realNow()
  let now = start
  while (now - start < WORK) now = realNow()
  lastWork = now - start
}

/** Whether this build of middy-secrets knows refreshAhead: false when secrets() refuses it with a ConfigError naming it. */
function supportsRefreshAhead(lib) {
  try {
    lib.secrets({ context: { probe: lib.secret('bench/probe') }, prefetch: false, refreshAhead: 0.1 })
    return true
  } catch (error) {
    if (error?.name === 'ConfigError' && String(error.option).startsWith('refreshAhead')) return false
    throw error
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))
const realTimeout = (ms) => new Promise((resolve) => globalThis.setTimeout(resolve, ms))

try {
  const { names, expected, keys } = scenario('sm', COUNT)
  const mods = await loadImplementation(impl === 'none' ? 'none' : impl, 'sm')
  let refreshAhead
  let extra = {}
  if (impl === 'ms' || impl === 'ms-off') {
    const supported = supportsRefreshAhead(mods.lib)
    refreshAhead = supported ? (impl === 'ms' ? 'default' : 0) : 'unsupported'
    if (impl === 'ms-off' && !supported) {
      await finish({ unsupported: true, refreshAhead, correct: 0, expected: 0 })
    }
    extra = impl === 'ms-off' ? { ttl: TTL, refreshAhead: 0 } : { ttl: TTL }
  } else if (impl === 'middy-peer') extra = { cacheExpiry: TTL * 1000 }
  else if (impl === 'pt-all') extra = { maxAge: TTL }

  const handler =
    impl === 'none'
      ? mods.core(async () => {
          work()
          return expected
        })
      : createHandler(impl === 'ms-off' ? 'ms' : impl, 'sm', mods, names, keys, extra, work)

  const event = {}
  const origin = performance.timeOrigin
  const t0 = realNow()
  const first = await handler(event, lambdaContext())
  const firstMs = realNow() - t0
  const firstEndEpoch = origin + t0 + firstMs
  let correct = countCorrect(first, expected) === COUNT ? 1 : 0

  const durations = new Float64Array(INVOCATIONS - 1)
  const works = new Float64Array(INVOCATIONS - 1)
  const slow = []
  const startReal = realNow()
  for (let i = 0; i < INVOCATIONS - 1; i++) {
    await nextTurn()
    freeze(GAP)
    // At the thaw, the timers that fell due during the gap fire before the next event arrives
    // (a timer brought forward fires after at least 1 ms of real time).
    while (timersDue()) await realTimeout(0).then(nextTurn)
    const start = realNow()
    const values = await handler(event, lambdaContext())
    const end = realNow()
    durations[i] = end - start
    works[i] = lastWork
    if (countCorrect(values, expected) === COUNT) correct++
    if (end - start - lastWork >= SLOW) slow.push({ i: i + 1, startEpoch: origin + start, endEpoch: origin + end, ms: end - start })
  }
  const realSpan = realNow() - startReal

  await finish({
    impl,
    refreshAhead,
    firstMs,
    firstEndEpoch,
    durations: Array.from(durations, (d) => Math.round(d * 1000) / 1000),
    overheads: Array.from(durations, (d, i) => Math.round((d - works[i]) * 1000) / 1000),
    slow,
    realSpanMs: realSpan,
    functionSpanMs: realSpan + frozenFor(),
    correct,
    expected: INVOCATIONS,
  })
} catch (error) {
  fail(error)
}
