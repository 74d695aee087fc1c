/**
 * Warm overhead, in a fresh process: node bench/child/warm.mjs <impl> <sm|appconfig|ddb> <iterations>
 *
 * Two middy handlers in the same process: the baseline (middy, no middleware, handler returns
 * at once) and the implementation with 10 secrets / 1 AppConfig configuration / 10 DynamoDB
 * items (its first invocation fetches them; every later one reads the cache). After a warm-up, rounds of ROUND invocations of each are timed,
 * alternating which goes first; ns/invocation is the median over rounds, and the overhead is
 * implementation minus baseline. Every invocation gets a new Lambda-like context.
 *
 *   ms             middy-secrets, defaults: secrets({ context: 10 x secret() }); handler reads the 10 context keys
 *   middy-peer     @middy/secrets-manager, fetchData of 10, setToContext; handler reads them
 *   powertools     no middleware; handler awaits getSecret() 10 times (its cache); AppConfig:
 *                  getAppConfig(transform json); DynamoDB: DynamoDBProvider.get 10 times
 *   map            no middleware; handler reads 10 values from a module-scoped Map
 *   inject         one middleware whose `before` assigns 10 constant strings to the context;
 *                  handler reads them (the floor for any middleware injecting 10 context keys)
 *   noop           one middleware whose `before` does nothing; handler returns at once (what
 *                  middy charges for having any middleware at all)
 */
import { countCorrect, createHandler, fail, finish, lambdaContext, loadImplementation, scenario } from './common.mjs'

const [impl, kind, iterationsArg] = process.argv.slice(2)
const ITERATIONS = Number(iterationsArg) || 20_000
const ROUND = 1_000
const ROUNDS = Math.max(4, Math.round(ITERATIONS / ROUND))
const WARMUP = 5_000
const COUNT = kind === 'appconfig' ? 1 : 10

try {
  const { names, expected, keys } = scenario(kind, COUNT)
  const mods = await loadImplementation(impl, kind)
  const middy = mods.core

  const baseline = middy(async () => 0)
  let handler
  let checked = COUNT
  if (impl === 'noop') {
    handler = middy(async () => 0).use({ before: () => {} })
    checked = 0
  } else if (impl === 'inject') {
    handler = middy(async (event, context) => {
      const out = new Array(keys.length)
      for (let i = 0; i < keys.length; i++) out[i] = context[keys[i]]
      return out
    }).use({
      before: (request) => {
        for (let i = 0; i < keys.length; i++) request.context[keys[i]] = expected[i]
      },
    })
  } else if (impl === 'map') {
    const map = new Map(names.map((name, i) => [name, expected[i]]))
    handler = middy(async () => {
      const out = new Array(names.length)
      for (let i = 0; i < names.length; i++) out[i] = map.get(names[i])
      return out
    })
  } else {
    handler = createHandler(impl, kind, mods, names, keys)
  }

  const first = await handler({}, lambdaContext())
  const correct = checked === 0 ? 0 : countCorrect(first, expected)
  const event = {}

  async function timed(h, n) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < n; i++) await h(event, lambdaContext())
    return Number(process.hrtime.bigint() - start) / n
  }

  for (let i = 0; i < WARMUP / ROUND; i++) {
    await timed(baseline, ROUND)
    await timed(handler, ROUND)
  }
  const base = []
  const impl_ = []
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      base.push(await timed(baseline, ROUND))
      impl_.push(await timed(handler, ROUND))
    } else {
      impl_.push(await timed(handler, ROUND))
      base.push(await timed(baseline, ROUND))
    }
  }
  const last = await handler({}, lambdaContext())
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b)
    const m = s.length >> 1
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
  }
  const baseNs = median(base)
  const implNs = median(impl_)
  await finish({
    baselineNs: baseNs,
    implNs,
    overheadNs: implNs - baseNs,
    invocations: ROUNDS * ROUND,
    correct: checked === 0 ? 0 : Math.min(correct, countCorrect(last, expected)),
    expected: checked,
  })
} catch (error) {
  fail(error)
}
