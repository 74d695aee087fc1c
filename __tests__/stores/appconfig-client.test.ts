/**
 * stores/appconfig.ts over aws-sdk-client-mock, for what the stand-in cannot show: the exact
 * inputs sent, an answered interval other than the one asked, answers AWS should not give.
 */
import {
  AppConfigDataClient,
  GetLatestConfigurationCommand,
  type GetLatestConfigurationCommandOutput,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata'
import { jest } from '@jest/globals'
import { mockClient } from 'aws-sdk-client-mock'
import { appConfigStore } from '../../lib/stores/appconfig.js'
import type { StoreRequest, StoreResult } from '../../lib/store.js'
import { failed, fetchOptions, ok } from '../support/store-results.js'

const client = new AppConfigDataClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } })
const appConfigData = mockClient(client)
const encode = (text: string): Uint8Array => new TextEncoder().encode(text)

let offsetMs = 0
const realNow = Date.now.bind(Date)
const advance = (ms: number): void => void (offsetMs += ms)

beforeEach(() => {
  appConfigData.reset()
  offsetMs = 0
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs)
})

afterEach(() => {
  jest.restoreAllMocks()
})

const request = (more: Partial<StoreRequest> = {}): StoreRequest => ({ kind: 'appConfig', name: 'shop/prod/flags', application: 'shop', environment: 'prod', profile: 'flags', ...more })

let tokens = 0
function answer(configuration: string, more: Partial<GetLatestConfigurationCommandOutput> = {}): Partial<GetLatestConfigurationCommandOutput> {
  return { Configuration: encode(configuration) as GetLatestConfigurationCommandOutput['Configuration'], ContentType: 'application/json', NextPollConfigurationToken: `next-${++tokens}`, NextPollIntervalInSeconds: 15, ...more }
}

const startInputs = () => appConfigData.commandCalls(StartConfigurationSessionCommand).map((c) => c.args[0].input)
const pollTokens = () => appConfigData.commandCalls(GetLatestConfigurationCommand).map((c) => c.args[0].input.ConfigurationToken)

test('StartConfigurationSession: the three identifiers and the interval clamped to 15..86400, whole seconds; none asked, none sent', async () => {
  appConfigData.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'initial' })
  appConfigData.on(GetLatestConfigurationCommand).callsFake(() => answer('{}'))
  const store = appConfigStore({ client })
  await store.fetch(
    [request({ minPollIntervalSeconds: 1 }), request({ minPollIntervalSeconds: 20.5 }), request({ minPollIntervalSeconds: 100_000 }), request()],
    fetchOptions(),
  )
  expect(startInputs()).toEqual([
    { ApplicationIdentifier: 'shop', EnvironmentIdentifier: 'prod', ConfigurationProfileIdentifier: 'flags', RequiredMinimumPollIntervalInSeconds: 15 },
    { ApplicationIdentifier: 'shop', EnvironmentIdentifier: 'prod', ConfigurationProfileIdentifier: 'flags', RequiredMinimumPollIntervalInSeconds: 21 },
    { ApplicationIdentifier: 'shop', EnvironmentIdentifier: 'prod', ConfigurationProfileIdentifier: 'flags', RequiredMinimumPollIntervalInSeconds: 86_400 },
    { ApplicationIdentifier: 'shop', EnvironmentIdentifier: 'prod', ConfigurationProfileIdentifier: 'flags' },
  ])
})

test('a request by name is split into application, environment and profile', async () => {
  appConfigData.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'initial' })
  appConfigData.on(GetLatestConfigurationCommand).callsFake(() => answer('{}'))
  await appConfigStore({ client }).fetch([{ kind: 'appConfig', name: 'app-id/env-id/profile-id' }], fetchOptions())
  expect(startInputs()).toEqual([{ ApplicationIdentifier: 'app-id', EnvironmentIdentifier: 'env-id', ConfigurationProfileIdentifier: 'profile-id' }])
})

test('every poll sends the token the last answer gave, never one twice', async () => {
  appConfigData.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'initial' })
  appConfigData.on(GetLatestConfigurationCommand).callsFake(() => answer('{}'))
  const store = appConfigStore({ client })
  for (let i = 0; i < 3; i++) {
    await store.fetch([request()], fetchOptions())
    advance(15_000)
  }
  expect(pollTokens()).toEqual(['initial', `next-${tokens - 2}`, `next-${tokens - 1}`])
  expect(startInputs()).toHaveLength(1)
})

test('the interval AWS answers wins over the one asked: 15 asked, 45 answered, no poll before 45 s', async () => {
  appConfigData.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'initial' })
  appConfigData.on(GetLatestConfigurationCommand).callsFake(() => answer('{}', { NextPollIntervalInSeconds: 45 }))
  const store = appConfigStore({ client })
  await store.fetch([request({ minPollIntervalSeconds: 15 })], fetchOptions())
  advance(44_000)
  await store.fetch([request({ minPollIntervalSeconds: 15 })], fetchOptions())
  expect(pollTokens()).toHaveLength(1)
  advance(1_000)
  await store.fetch([request({ minPollIntervalSeconds: 15 })], fetchOptions())
  expect(pollTokens()).toHaveLength(2)
})

test('an answer with no next token: the next read starts a new session', async () => {
  appConfigData.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'initial' })
  appConfigData.on(GetLatestConfigurationCommand).callsFake(() => answer('{}', { NextPollConfigurationToken: undefined }))
  const store = appConfigStore({ client })
  await store.fetch([request()], fetchOptions())
  advance(15_000)
  await store.fetch([request()], fetchOptions())
  expect(startInputs()).toHaveLength(2)
})

test('StartConfigurationSession with no token: MalformedResponse, retryable, and no session', async () => {
  appConfigData.on(StartConfigurationSessionCommand).resolves({})
  const store = appConfigStore({ client })
  const [result] = await store.fetch([request()], fetchOptions())
  expect(failed(result)).toEqual({ code: 'MalformedResponse', message: 'StartConfigurationSession answered no InitialConfigurationToken', retryable: true, operation: 'StartConfigurationSession' })
  expect(pollTokens()).toEqual([])
})

test('an answer with no content type is bytes', async () => {
  appConfigData.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'initial' })
  appConfigData.on(GetLatestConfigurationCommand).callsFake(() => answer('{}', { ContentType: undefined }))
  const [result] = await appConfigStore({ client }).fetch([request()], fetchOptions())
  expect(ok(result).value).toEqual(encode('{}'))
})

test('the same bytes with a new Version-Label are a new value', async () => {
  appConfigData.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'initial' })
  appConfigData.on(GetLatestConfigurationCommand).callsFakeOnce(() => answer('{}', { VersionLabel: 'v1' })).callsFake(() => answer('{}', { VersionLabel: 'v2' }))
  const store = appConfigStore({ client })
  const [first] = await store.fetch([request()], fetchOptions())
  advance(15_000)
  const [second] = await store.fetch([request()], fetchOptions())
  expect(second).not.toBe(first)
  expect(ok(second).versionId).toBe('v2')
})

test('an empty answer is "unchanged" when its Version-Label is absent, empty or the same; a new label is a new, empty configuration', async () => {
  appConfigData.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'initial' })
  appConfigData
    .on(GetLatestConfigurationCommand)
    .callsFakeOnce(() => answer('{"beta":true}', { VersionLabel: 'v1' }))
    .callsFakeOnce(() => answer('', { VersionLabel: undefined }))
    .callsFakeOnce(() => answer('', { VersionLabel: '' }))
    .callsFakeOnce(() => answer('', { VersionLabel: 'v1' }))
    .callsFakeOnce(() => answer('', { VersionLabel: 'v2' }))
  const store = appConfigStore({ client })
  const reads: StoreResult[] = []
  for (let i = 0; i < 5; i++) {
    reads.push((await store.fetch([request()], fetchOptions()))[0]!)
    advance(15_000)
  }
  const [first, absent, empty, same, emptied] = reads
  expect(absent).toBe(first)
  expect(empty).toBe(first)
  expect(same).toBe(first)
  expect(ok(emptied)).toEqual({ ok: true, value: '', versionId: 'v2' })
  expect(startInputs()).toHaveLength(1)
})

test('a new session answering other bytes of the same length: a new value; the same bytes: the same value', async () => {
  const bytes = (...values: number[]) => new Uint8Array(values) as GetLatestConfigurationCommandOutput['Configuration']
  const binary = (content: GetLatestConfigurationCommandOutput['Configuration']) => answer('', { Configuration: content, ContentType: 'application/octet-stream', NextPollConfigurationToken: undefined })
  appConfigData.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'initial' })
  appConfigData
    .on(GetLatestConfigurationCommand)
    .callsFakeOnce(() => binary(bytes(1, 2, 3)))
    .callsFakeOnce(() => binary(bytes(1, 2, 3)))
    .callsFakeOnce(() => binary(bytes(1, 2, 4)))
  const store = appConfigStore({ client })
  const [first] = await store.fetch([request()], fetchOptions())
  advance(15_000)
  const [same] = await store.fetch([request()], fetchOptions())
  advance(15_000)
  const [changed] = await store.fetch([request()], fetchOptions())
  expect(startInputs()).toHaveLength(3)
  expect(same).toBe(first)
  expect(ok(changed).value).toEqual(new Uint8Array([1, 2, 4]))
})
