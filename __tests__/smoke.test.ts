import middy from '@middy/core'
import { secrets, secret, parameter, parameters, clearCache } from '../lib/index.js'
import { memoryStore } from '../lib/testing/index.js'

test('smoke', async () => {
  clearCache()
  const store = memoryStore({ secrets: { 'prod/db': '{"username":"u","password":"p"}', 'prod/api': '{"key":"k1"}' }, parameters: { '/prod/flags': '{"a":1}', '/app/x': '1', '/app/y': '2' } })
  const mw = secrets({
    context: { db: secret<{ username: string; password: string }>('prod/db', { transform: 'json' }), flags: parameter('/prod/flags', { transform: 'json' }), app: parameters('/app') },
    env: { API_KEY: secret('prod/api', { field: 'key' }) },
    stores: { secretsManager: store, ssm: store },
  })
  const handler = middy().use(mw).handler(async (_event: unknown, context) => ({ u: context.db.username, flags: context.flags, app: context.app, key: process.env.API_KEY }))
  const out = await handler({}, {} as never)
  expect(out).toEqual({ u: 'u', flags: { a: 1 }, app: { x: '1', y: '2' }, key: 'k1' })
  const calls = store.calls.length
  await handler({}, {} as never)
  expect(store.calls.length).toBe(calls)
})
