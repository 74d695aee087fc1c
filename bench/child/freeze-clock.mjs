/**
 * The steady run's clock: a Lambda execution environment frozen between invocations.
 *
 * In Lambda, once an invocation has answered, the environment is frozen until the next one:
 * nothing runs, but the wall clock goes on, and at the thaw every timer that fell due during the
 * freeze fires at once. `freeze(ms)` plays that gap without waiting for it: it moves `Date.now()`
 * forward by `ms` and brings forward the timers created with the global `setTimeout` so that they
 * fire when they would have (those due during the gap fire at the next turn of the event loop).
 * Nothing else moves: `performance.now()` and `process.hrtime` stay real (the bench times with
 * them), Node's internal timers (sockets, `node:timers` imports, as @middy/core's timeout) keep
 * real time, and a request in flight does not progress during a gap (in Lambda the answer would
 * wait in the socket buffer and be read at the thaw: here it needs its full latency of real running
 * time after the gap, which is harder on a background refresh, never easier).
 *
 * Every implementation reads time with `Date.now()` or `new Date()` (middy-secrets, Powertools'
 * ExpirableValue, @middy/util's processCache) and schedules with the global `setTimeout` (middy-secrets'
 * deadlines, @middy/util's refresh at expiry), so each sees the gaps as it would in Lambda.
 *
 * Import it before any implementation. `Date.now()` and `new Date()` both move, so requests are
 * signed with the moved time too: the server allows 5 minutes of skew, and the parent keeps the
 * gaps of one run below that.
 */
const realDateNow = Date.now
const realSetTimeout = globalThis.setTimeout
const realClearTimeout = globalThis.clearTimeout

let skew = 0
const live = new Set()
const byId = new Map()

Date.now = () => realDateNow() + skew
// `new Date()` with no argument is "now" too (Powertools' ExpirableValue sets its expiry with it).
// A Proxy keeps `Date.prototype`, `instanceof Date` and every static method as they are.
const RealDate = Date
globalThis.Date = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    return Reflect.construct(target, args.length === 0 ? [Date.now()] : args, newTarget)
  },
})

class FrozenTimeout {
  constructor(callback, delay, args) {
    this.callback = callback
    this.args = args
    this.delay = Math.max(1, Number(delay) || 1) // as Node: a delay below 1 (or not a number) is 1
    this.due = Date.now() + this.delay
    this.refed = true
    this.arm()
    live.add(this)
  }

  arm() {
    this.handle = realSetTimeout(() => this.fire(), Math.max(0, this.due - Date.now()))
    if (!this.refed) this.handle.unref()
    this.id = Number(this.handle)
    byId.set(this.id, this)
  }

  disarm() {
    realClearTimeout(this.handle)
    byId.delete(this.id)
  }

  fire() {
    this.disarm()
    live.delete(this)
    this.callback(...this.args)
  }

  ref() {
    this.refed = true
    this.handle.ref()
    return this
  }

  unref() {
    this.refed = false
    this.handle.unref()
    return this
  }

  hasRef() {
    return this.refed
  }

  refresh() {
    this.disarm()
    this.due = Date.now() + this.delay
    this.arm()
    live.add(this)
    return this
  }

  close() {
    this.disarm()
    live.delete(this)
    return this
  }

  [Symbol.toPrimitive]() {
    return this.id
  }
}

globalThis.setTimeout = function setTimeout(callback, delay, ...args) {
  if (typeof callback !== 'function') return realSetTimeout(callback, delay, ...args) // let Node throw its usual error
  return new FrozenTimeout(callback, delay, args)
}

globalThis.clearTimeout = function clearTimeout(timer) {
  if (timer instanceof FrozenTimeout) return void timer.close()
  const frozen = (typeof timer === 'number' || typeof timer === 'string') && byId.get(Number(timer))
  if (frozen) return void frozen.close()
  realClearTimeout(timer)
}

/** The environment is frozen for `ms`: Date.now() jumps, and the timers come due accordingly. */
export function freeze(ms) {
  skew += ms
  for (const timer of live) {
    timer.disarm()
    timer.arm()
  }
}

/** Whether a timer is due (its callback not yet run). */
export function timersDue() {
  const now = Date.now()
  for (const timer of live) if (timer.due <= now) return true
  return false
}

/** How far Date.now() is ahead of the real clock (ms): the sum of the gaps so far. */
export function frozenFor() {
  return skew
}
