/** cache/cache.ts: the bounded cache with CLOCK eviction, and what the cache key separates. */
import { cache, cacheKey, onEviction, SecretCache, secretNames, storeId } from '../../lib/cache/cache.js'
import { fetched, touched } from '../../lib/cache/entry.js'
import { clearCache } from '../../lib/index.js'
import type { StoreRequest } from '../../lib/store.js'
import { memoryStore } from '../../lib/testing/index.js'

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
    expect(e).toMatchObject({ key: 'k', value: undefined, generation: 0, failure: undefined, flight: undefined, evicted: false, referenced: false })
    expect(e.store).toBe(store)
    expect(e.request).toEqual(req('a'))
    expect(c.entry('k', otherStore, req('b'))).toBe(e)
    expect(c.get('k')).toBe(e)
    expect(c.get('missing')).toBeUndefined()
    expect(c.size).toBe(1)
    expect([...c.entries()]).toEqual([e])
  })

  test('over the bound, an entry read since the sweep last passed is spared; the first unread one goes', () => {
    const c = new SecretCache(3)
    expect(c.max).toBe(3)
    const a = c.entry('a', store, req('a'))
    const b = c.entry('b', store, req('b'))
    c.entry('c', store, req('c'))
    touched(a) // a was read; b was not
    c.entry('d', store, req('d'))
    expect(c.size).toBe(3)
    expect(c.get('b')).toBeUndefined()
    expect(b.evicted).toBe(true)
    expect(a.evicted).toBe(false)
    expect(a.referenced).toBe(false) // spared once: it must be read again to be spared again
    expect(c.get('a')).toBe(a)
    // a now sits behind c and d: c is the oldest unread entry and goes next.
    c.entry('e', store, req('e'))
    expect(c.get('c')).toBeUndefined()
    expect([...c.entries()].map((x) => x.key)).toEqual(['d', 'a', 'e'])
  })

  test('when every entry was read, one sweep clears the bits and the oldest goes; the new entry stays', () => {
    const c = new SecretCache(2)
    const a = c.entry('a', store, req('a'))
    const b = c.entry('b', store, req('b'))
    touched(a)
    touched(b)
    const n = c.entry('n', store, req('n'))
    expect(c.size).toBe(2)
    expect(a.evicted).toBe(true)
    expect(b.evicted).toBe(false)
    expect(n.evicted).toBe(false)
    expect([b.referenced, n.referenced]).toEqual([false, false])
  })

  test('a hot key survives any number of cold keys passing through', () => {
    const c = new SecretCache(3)
    const hot = c.entry('hot', store, req('hot'))
    for (let i = 0; i < 50; i++) {
      touched(hot)
      c.entry(`cold-${i}`, store, req(`cold-${i}`))
    }
    expect(c.get('hot')).toBe(hot)
    expect(hot.evicted).toBe(false)
    expect(c.size).toBe(3)
  })

  test('memory stays flat: 100,000 distinct keys through a cache of 1,000 end with size 1000', () => {
    const c = new SecretCache(1000)
    let largest = 0
    for (let i = 0; i < 100_000; i++) {
      const e = c.entry(`key-${i}`, store, req(`s-${i}`))
      fetched(e, { raw: `value-${i}`, versionId: undefined, arn: undefined, generation: 0, sequence: i }, 0)
      largest = Math.max(largest, c.size)
    }
    expect(largest).toBe(1000)
    expect(c.size).toBe(1000)
    expect(c.get('key-0')).toBeUndefined()
    expect(c.get('key-98999')).toBeUndefined()
    expect(c.get('key-99000')?.value?.raw).toBe('value-99000')
    expect(c.get('key-99999')?.value?.raw).toBe('value-99999')
  })

  test('ensureCapacity only grows, and keeps the entries', () => {
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
    expect(c.get('a')).toBe(a)
    c.entry('d', store, req('d'))
    expect(c.size).toBe(4)
    c.entry('e', store, req('e')) // over the bound: the oldest unread (a) goes
    expect(c.get('a')).toBeUndefined()
    expect(c.size).toBe(4)
  })

  test('resize shrinks to exactly the bound, dropping the oldest unread, and never below 1', () => {
    const c = new SecretCache(5)
    for (const k of ['a', 'b', 'c', 'd']) c.entry(k, store, req(k))
    c.resize(2)
    expect(c.max).toBe(2)
    expect([c.get('a'), c.get('b')]).toEqual([undefined, undefined])
    expect(c.get('c')).toBeDefined()
    expect(c.get('d')).toBeDefined()
    c.resize(0)
    expect(c.max).toBe(1)
    expect(c.size).toBe(1)
  })

  test('clear() empties it and marks every entry evicted', () => {
    const c = new SecretCache(10)
    const a = c.entry('a', store, req('a'))
    c.clear()
    expect(c.size).toBe(0)
    expect(c.get('a')).toBeUndefined()
    expect(a.evicted).toBe(true)
  })

  // What keeps entries outside the cache (load()'s kept plans) lets go of the evicted ones when told.
  test('onEviction: its listeners hear once per sweep or clear that evicted something, never otherwise', () => {
    let heard = 0
    onEviction(() => (heard += 1))
    const c = new SecretCache(2)
    c.entry('a', store, req('a'))
    c.entry('b', store, req('b'))
    expect(heard).toBe(0) // within the bound: nothing evicted
    c.entry('c', store, req('c'))
    expect(heard).toBe(1) // one sweep, one eviction
    c.resize(1)
    expect(heard).toBe(2)
    c.entry('c', store, req('c')) // an entry it has: no sweep
    expect(heard).toBe(2)
    c.clear()
    expect(heard).toBe(3)
    c.clear() // nothing left to evict
    expect(heard).toBe(3)
  })

  test('the module cache is emptied by clearCache()', () => {
    cache.ensureCapacity(10)
    cache.entry('x', store, req('x'))
    expect(cache.size).toBe(1)
    clearCache()
    expect(cache.size).toBe(0)
  })

  test('storeId: one number per store object, stable', () => {
    expect(storeId(store)).toBe(storeId(store))
    expect(storeId(store)).not.toBe(storeId(otherStore))
  })
})

describe('cacheKey', () => {
  test('DynamoDB reads differ by every part of what they select, and an items() read has no key', () => {
    const item = (changes: Partial<StoreRequest>): StoreRequest => ({ kind: 'item', name: 't', key: { attribute: 'id', value: 'a' }, ...changes })
    const keys = [
      item({}),
      item({ key: { attribute: 'pk', value: 'a' } }),
      item({ key: { attribute: 'id', value: 'b' } }),
      item({ key: { attribute: 'id', value: 1 } }),
      item({ key: { attribute: 'id', value: '1' } }),
      item({ sortKey: { attribute: 'sk', value: 'x' } }),
      item({ valueAttribute: 'other' }),
      { kind: 'items', name: 't', key: { attribute: 'id', value: 'a' } },
      { kind: 'items', name: 't', key: { attribute: 'id', value: 'a' }, sortKeyAttribute: 'other' },
      { kind: 'items', name: 't' },
    ].map((request) => cacheKey(store, request as StoreRequest))
    expect(new Set(keys).size).toBe(keys.length)
  })

  test('AppConfig reads differ by each of the three names, whatever they hold, and by the poll interval', () => {
    const config = (application: string, environment: string, profile: string, minPollIntervalSeconds?: number): StoreRequest => ({
      kind: 'appConfig',
      name: `${application}/${environment}/${profile}`,
      application,
      environment,
      profile,
      ...(minPollIntervalSeconds === undefined ? {} : { minPollIntervalSeconds }),
    })
    // 'team/shop' + 'prod' and 'team' + 'shop/prod' are one name joined by '/', and two configurations.
    expect(cacheKey(store, config('team/shop', 'prod', 'flags'))).not.toBe(cacheKey(store, config('team', 'shop/prod', 'flags')))
    expect(cacheKey(store, config('shop', 'prod', 'flags', 24))).not.toBe(cacheKey(store, config('shop', 'prod', 'flags', 486)))
    expect(cacheKey(store, config('shop', 'prod', 'flags', 24))).not.toBe(cacheKey(store, config('shop', 'prod', 'flags')))
    expect(cacheKey(store, config('shop', 'prod', 'flags', 24))).toBe(cacheKey(store, config('shop', 'prod', 'flags', 24)))
  })

  test('a parameter label spelled like a missing one is still a label', () => {
    expect(cacheKey(store, { kind: 'parameter', name: '/p' })).not.toBe(cacheKey(store, { kind: 'parameter', name: '/p', label: 'undefined' }))
  })

  test('an item read without consistentRead is the eventually consistent read, not the consistent one', () => {
    const item = (consistentRead?: boolean): StoreRequest => ({ kind: 'item', name: 't', key: { attribute: 'id', value: 'a' }, ...(consistentRead === undefined ? {} : { consistentRead }) })
    expect(cacheKey(store, item())).toBe(cacheKey(store, item(false)))
    expect(cacheKey(store, item())).not.toBe(cacheKey(store, item(true)))
  })

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

describe('secret peers: the index behind rotation coupling', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbC123'

  test('secretNames: a name as it is; an ARN by the name in it, with and without the suffix', () => {
    expect(secretNames('prod/db')).toEqual(['prod/db'])
    expect(secretNames(ARN)).toEqual(['prod/db-AbC123', 'prod/db'])
    expect(secretNames('arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db')).toEqual(['prod/db'])
    expect(secretNames('arn:aws:ssm:eu-west-1:1:parameter/x')).toEqual(['arn:aws:ssm:eu-west-1:1:parameter/x'])
    // Only the suffix at the end is Secrets Manager's: a hyphen and six letters inside the name stay.
    expect(secretNames('arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-database-AbC123')).toEqual(['prod-database-AbC123', 'prod-database'])
  })

  test('the same secret by name, by ARN and at another stage are peers; another store, another name or a parameter is not', () => {
    const c = new SecretCache(100)
    const byName = c.entry('1', store, req('prod/db'))
    const byArn = c.entry('2', store, req(ARN))
    const previous = c.entry('3', store, { kind: 'secret', name: 'prod/db', versionStage: 'AWSPREVIOUS' })
    c.entry('4', otherStore, req('prod/db'))
    c.entry('5', store, req('prod/dbx'))
    c.entry('6', store, { kind: 'parameter', name: 'prod/db' })
    expect(c.secretPeers(byName)).toEqual(expect.arrayContaining([byArn, previous]))
    expect(c.secretPeers(byName)).toHaveLength(2)
    expect(c.secretPeers(byArn)).toEqual(expect.arrayContaining([byName, previous]))
    expect(c.secretPeers(c.get('6')!)).toEqual([])
  })

  test('an evicted entry leaves the index; clear() empties it', () => {
    const c = new SecretCache(2)
    const a = c.entry('1', store, req('prod/db'))
    c.entry('2', store, { kind: 'secret', name: 'prod/db', versionStage: 'AWSPREVIOUS' })
    const b = c.entry('3', store, req(ARN)) // evicts '1'
    expect(a.evicted).toBe(true)
    expect(c.secretPeers(b)).toEqual([c.get('2')])
    c.clear()
    expect(c.secretPeers(b)).toEqual([])
  })

  test('a name whose entries are all evicted leaves no empty bucket behind (the index stays as small as the cache)', () => {
    const c = new SecretCache(1)
    for (let i = 0; i < 5; i++) c.entry(String(i), store, req(`name-${i}`))
    expect((c as unknown as { bySecret: Map<string, unknown> }).bySecret.size).toBe(1)
  })
})
