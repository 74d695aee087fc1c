/** The line `serve --file` prints after a reload: counts, and how long cached answers live on. */
import { reloadReport, type CacheSettings } from '../../lib/extension-server/reload-report.js'

const defaults: CacheSettings = { cacheEnabled: true, cacheSize: 1000, secretsTtl: 300, ssmTtl: 300 }
const reloaded = { kind: 'reloaded', counts: { secrets: 2, parameters: 1, configurations: 0 } } as const

it('says that answers cached before the change live out their TTLs, and how to shorten them', () => {
  expect(reloadReport('secrets.json', reloaded, defaults)).toEqual({
    stream: 'stdout',
    line: 'middy-secrets: reloaded secrets.json: 2 secrets, 1 parameter; answers cached before the change expire after SECRETS_MANAGER_TTL (300 s) and SSM_PARAMETER_STORE_TTL (300 s); set them to 0 while rehearsing',
  })
})

it('names only the TTLs that still cache', () => {
  expect(reloadReport('s.json', reloaded, { ...defaults, ssmTtl: 0, secretsTtl: 30 })?.line).toMatch(/expire after SECRETS_MANAGER_TTL \(30 s\); set it to 0 while rehearsing$/)
  expect(reloadReport('s.json', reloaded, { ...defaults, secretsTtl: 0 })?.line).toMatch(/expire after SSM_PARAMETER_STORE_TTL \(300 s\); set it to 0/)
})

it.each([
  ['both TTLs are 0', { secretsTtl: 0, ssmTtl: 0 }],
  ['the cache is disabled', { cacheEnabled: false }],
  ['the cache size is 0', { cacheSize: 0 }],
])('says the next request sees the change when %s', (_case, cache) => {
  expect(reloadReport('s.json', reloaded, { ...defaults, ...cache })?.line).toBe('middy-secrets: reloaded s.json: 2 secrets, 1 parameter; nothing is cached, so the next request sees the change')
})

it('prints a failure on stderr, once prefixed, and nothing for an unchanged file', () => {
  expect(reloadReport('s.json', { kind: 'failed', message: "s.json: secrets['x'] must be a string" }, defaults)).toEqual({
    stream: 'stderr',
    line: "middy-secrets: s.json: secrets['x'] must be a string (still serving the previous contents)",
  })
  expect(reloadReport('s.json', { kind: 'unchanged' }, defaults)).toBeUndefined()
})

it('names configurations when the file has some, and the AppConfig poll interval while it is served', () => {
  const withConfigurations = { kind: 'reloaded', counts: { secrets: 1, parameters: 0, configurations: 2 } } as const
  expect(reloadReport('s.json', withConfigurations, { ...defaults, appConfigPollSeconds: 45 })?.line).toBe(
    'middy-secrets: reloaded s.json: 1 secret, 0 parameters, 2 configurations; answers cached before the change expire after SECRETS_MANAGER_TTL (300 s), SSM_PARAMETER_STORE_TTL (300 s) and AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS (45 s); set them to 0 while rehearsing',
  )
  expect(reloadReport('s.json', withConfigurations, { ...defaults, secretsTtl: 0, ssmTtl: 0, appConfigPollSeconds: 0 })?.line).toMatch(/2 configurations; nothing is cached/)
  expect(reloadReport('s.json', withConfigurations, { ...defaults, cacheEnabled: false, appConfigPollSeconds: 10 })?.line).toMatch(
    /expire after AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS \(10 s\); set it to 0/,
  )
  // Not served, or nothing to poll: not mentioned.
  expect(reloadReport('s.json', withConfigurations, defaults)?.line).not.toContain('AWS_APPCONFIG')
  expect(reloadReport('s.json', reloaded, { ...defaults, appConfigPollSeconds: 45 })?.line).not.toContain('AWS_APPCONFIG')
})
