/** cache.ts: the bounded LRU, expire(), ensureCapacity(), and what the cache key separates. */
import { cache, cacheKey, SecretCache } from '../lib/cache.js'
import { clearCache } from '../lib/index.js'
import type { StoreRequest } from '../lib/store.js'
import { memoryStore } from '../lib/testing/index.js'

const store = memoryStore()
const otherStore = memoryStore()
const req = (name: string): StoreRequest => ({ kind: 'secret', name, versionStage: 'AWSCURRENT' })

beforeEach(() => {
  clearCache()
})

describe('SecretCache', () => {
  test('entry() creates an empty entry once, then returns the same one', () => {
    const c = new SecretCache(10)
    const e = c.entry('k', store, req('a'))
    expect(e).toMatchObject({ hasValue: false, raw: undefined, versionId: undefined, fetchedAt: 0, expiresAt: 0, inflight: undefined, lastError: undefined })
    expect(e.store).toBe(store)
    expect(e.request).toEqual(req('a'))
    expect(c.entry('k', otherStore, req('b'))).toBe(e)
    expect(c.get('k')).toBe(e)
    expect(c.get('missing')).toBeUndefined()
    expect(c.size).toBe(1)
  })

  test('maxEntries is respected: the least recently used entry goes first', () => {
    const c = new SecretCache(3)
    expect(c.max).toBe(3)
    c.entry('a', store, req('a'))
    c.entry('b', store, req('b'))
    c.entry('c', store, req('c'))
    c.get('a') // a is now the most recent; b the least
    c.entry('d', store, req('d'))
    expect(c.size).toBe(3)
    expect(c.get('b')).toBeUndefined()
    expect(c.get('a')).toBeDefined()
    expect(c.get('c')).toBeDefined()
    expect(c.get('d')).toBeDefined()
  })

  test('memory stays flat: 100,000 distinct keys through a cache of 1,000 end with size 1000', () => {
    const c = new SecretCache(1000)
    let largest = 0
    for (let i = 0; i < 100_000; i++) {
      const e = c.entry(`key-${i}`, store, req(`s-${i}`))
      e.raw = `value-${i}`
      e.hasValue = true
      largest = Math.max(largest, c.size)
    }
    expect(largest).toBe(1000)
    expect(c.size).toBe(1000)
    expect(c.get('key-0')).toBeUndefined()
    expect(c.get('key-98999')).toBeUndefined()
    expect(c.get('key-99000')?.raw).toBe('value-99000')
    expect(c.get('key-99999')?.raw).toBe('value-99999')
  })

  test('ensureCapacity only grows, and keeps entries and their LRU order', () => {
    const c = new SecretCache(3)
    const a = c.entry('a', store, req('a'))
    c.entry('b', store, req('b'))
    c.entry('c', store, req('c'))
    c.ensureCapacity(2)
    expect(c.max).toBe(3)
    expect(c.size).toBe(3)
    c.ensureCapacity(4)
    expect(c.max).toBe(4)
    expect(c.size).toBe(3)
    expect(c.get('a')).toBe(a) // same entry object survives the resize; a is now most recent
    c.entry('d', store, req('d'))
    c.entry('e', store, req('e')) // over the bound: the least recent (b) goes
    expect(c.get('b')).toBeUndefined()
    expect(c.get('c')).toBeDefined()
    expect(c.get('a')).toBe(a)
    expect(c.size).toBe(4)
  })

  test('resize shrinks to exactly the bound, dropping the least recent', () => {
    const c = new SecretCache(5)
    for (const k of ['a', 'b', 'c', 'd']) c.entry(k, store, req(k))
    c.resize(2)
    expect(c.max).toBe(2)
    expect([c.get('a'), c.get('b')]).toEqual([undefined, undefined])
    expect(c.get('c')).toBeDefined()
    expect(c.get('d')).toBeDefined()
  })

  test('expire() marks entries expired and keeps their values (stale-if-error)', () => {
    const c = new SecretCache(10)
    const a = c.entry('a', store, req('a'))
    const b = c.entry('b', store, req('b'))
    for (const e of [a, b]) {
      Object.assign(e, { hasValue: true, raw: 'v', versionId: 'v1', fetchedAt: 1, expiresAt: 9e15, staleUntil: 9e15, retryAt: 5 })
    }
    expect(c.expire((_e, key) => key === 'a')).toBe(1)
    expect(a).toMatchObject({ hasValue: true, raw: 'v', versionId: 'v1', expiresAt: 0, retryAt: 0, staleUntil: 9e15 })
    expect(b.expiresAt).toBe(9e15)
    expect(c.expire()).toBe(2)
    expect(b).toMatchObject({ hasValue: true, raw: 'v', expiresAt: 0, retryAt: 0 })
    expect(c.size).toBe(2)
  })

  test('clear() empties it', () => {
    const c = new SecretCache(10)
    c.entry('a', store, req('a'))
    c.clear()
    expect(c.size).toBe(0)
    expect(c.get('a')).toBeUndefined()
  })

  test('the module cache is emptied by clearCache()', () => {
    cache.ensureCapacity(10)
    cache.entry('x', store, req('x'))
    expect(cache.size).toBe(1)
    clearCache()
    expect(cache.size).toBe(0)
  })
})

describe('cacheKey', () => {
  test('is stable for one store and request', () => {
    expect(cacheKey(store, req('a'))).toBe(cacheKey(store, { kind: 'secret', name: 'a', versionStage: 'AWSCURRENT' }))
  })

  test('separates store identity (same name, two stores)', () => {
    expect(cacheKey(store, req('a'))).not.toBe(cacheKey(otherStore, req('a')))
    // same name and options, different store object with the same name: still separate
    expect(cacheKey(memoryStore(), req('a'))).not.toBe(cacheKey(memoryStore(), req('a')))
  })

  test('separates kinds and names', () => {
    expect(cacheKey(store, { kind: 'secret', name: '/a' })).not.toBe(cacheKey(store, { kind: 'parameter', name: '/a' }))
    expect(cacheKey(store, { kind: 'parameter', name: '/a' })).not.toBe(cacheKey(store, { kind: 'parameters', name: '/a' }))
    expect(cacheKey(store, req('a'))).not.toBe(cacheKey(store, req('b')))
  })

  test('AWSCURRENT vs AWSPREVIOUS vs versionId are separate; absent stage = AWSCURRENT', () => {
    const current = cacheKey(store, { kind: 'secret', name: 'a', versionStage: 'AWSCURRENT' })
    const previous = cacheKey(store, { kind: 'secret', name: 'a', versionStage: 'AWSPREVIOUS' })
    const byId = cacheKey(store, { kind: 'secret', name: 'a', versionId: 'v-1' })
    const otherId = cacheKey(store, { kind: 'secret', name: 'a', versionId: 'v-2' })
    expect(new Set([current, previous, byId, otherId]).size).toBe(4)
    expect(cacheKey(store, { kind: 'secret', name: 'a' })).toBe(current)
  })

  test('a stage named like a version id does not collide with it', () => {
    expect(cacheKey(store, { kind: 'secret', name: 'a', versionStage: 'v-1' })).not.toBe(cacheKey(store, { kind: 'secret', name: 'a', versionId: 'v-1' }))
  })

  test('parameter version, label and decrypt are separate', () => {
    const keys = [
      cacheKey(store, { kind: 'parameter', name: '/p', decrypt: true }),
      cacheKey(store, { kind: 'parameter', name: '/p', decrypt: false }),
      cacheKey(store, { kind: 'parameter', name: '/p', decrypt: true, version: 3 }),
      cacheKey(store, { kind: 'parameter', name: '/p', decrypt: true, version: 4 }),
      cacheKey(store, { kind: 'parameter', name: '/p', decrypt: true, label: 'prod' }),
      cacheKey(store, { kind: 'parameter', name: '/p', decrypt: true, label: '3' }),
    ]
    expect(new Set(keys).size).toBe(6)
    expect(cacheKey(store, { kind: 'parameter', name: '/p' })).toBe(keys[0])
  })

  test('path recursive and decrypt are separate', () => {
    const keys = [
      cacheKey(store, { kind: 'parameters', name: '/app', recursive: false, decrypt: true }),
      cacheKey(store, { kind: 'parameters', name: '/app', recursive: true, decrypt: true }),
      cacheKey(store, { kind: 'parameters', name: '/app', recursive: false, decrypt: false }),
    ]
    expect(new Set(keys).size).toBe(3)
    expect(cacheKey(store, { kind: 'parameters', name: '/app' })).toBe(keys[0])
  })
})
