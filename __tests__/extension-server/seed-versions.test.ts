/**
 * Versions and staging labels in the `serve --file` seed: parsed, checked as Secrets Manager
 * would have them (errors name the file, the secret and the rule, never a value), and built into
 * the model so that GetSecretValue answers by stage and by version id as AWS would.
 */
import { SeedFileError, parseSeed } from '../../lib/extension-server/seed-file.js'
import { buildModel } from '../../lib/extension-server/seed-model.js'

const OLD = '{"password":"OLD-S3CRET"}'
const NEW = '{"password":"NEW-S3CRET"}'
const NEXT = '{"password":"NEXT-S3CRET"}'
const VALUES = ['OLD-S3CRET', 'NEW-S3CRET', 'NEXT-S3CRET', 'BIN-S3CRET']

const file = (secrets: unknown): string => JSON.stringify({ secrets })
const build = (text: string) => buildModel(parseSeed(text, 'secrets.json'), 'secrets.json')

describe('parsing versions', () => {
  it('reads text and binary versions, their stages and optional ids, in file order', () => {
    const seed = parseSeed(
      file({
        'prod/db': {
          versions: [
            { value: OLD, stages: ['AWSPREVIOUS'] },
            { value: NEW, stages: ['AWSCURRENT', 'blue'], id: 'v-new' },
            { binary: Buffer.from('BIN-S3CRET').toString('base64'), stages: ['AWSPENDING'] },
            { value: NEXT, stages: [] },
          ],
        },
      }),
    )
    expect(seed.secrets['prod/db']).toEqual([
      { value: OLD, stages: ['AWSPREVIOUS'] },
      { value: NEW, stages: ['AWSCURRENT', 'blue'], id: 'v-new' },
      { value: new Uint8Array(Buffer.from('BIN-S3CRET')), stages: ['AWSPENDING'] },
      { value: NEXT, stages: [] },
    ])
  })

  const current = { value: NEW, stages: ['AWSCURRENT'] }
  it.each([
    ['an empty list', { versions: [] }, /secrets\['prod\/db'\]\.versions must be a non-empty array/],
    ['a version that is not an object', { versions: [current, OLD] }, /secrets\['prod\/db'\]\.versions\[1\] must be \{ "value"/],
    ['both value and binary', { versions: [{ ...current, binary: 'AAAA' }] }, /versions\[0\] must have a "value" \(a string\) or a "binary" \(a base64 string\): exactly one/],
    ['neither value nor binary', { versions: [{ stages: ['AWSCURRENT'] }] }, /versions\[0\] must have a "value"/],
    ['a value that is not a string', { versions: [{ value: 42, stages: ['AWSCURRENT'] }] }, /versions\[0\] must have a "value"/],
    ['binary that is not base64', { versions: [{ binary: 'NEW-S3CRET!', stages: ['AWSCURRENT'] }] }, /versions\[0\]\.binary is not base64/],
    ['an unknown key', { versions: [{ ...current, stage: 'AWSCURRENT' }] }, /versions\[0\] has a key other than "value", "binary", "stages", "id"/],
    // A JSON secret written as an object, not as a string: its field names are part of the secret.
    ['a JSON secret written inline', { versions: [{ username: 'admin', password: NEW }] }, /versions\[0\] has 2 keys other than .* \(not named: if this object is the value itself, write it as a JSON string\)/],
    ['no stages', { versions: [{ value: NEW }] }, /versions\[0\]\.stages must be an array of staging labels/],
    ['an empty label', { versions: [{ value: NEW, stages: ['AWSCURRENT', ''] }] }, /versions\[0\]\.stages must be an array of staging labels/],
    ['a label listed twice', { versions: [{ value: NEW, stages: ['AWSCURRENT', 'AWSCURRENT'] }] }, /versions\[0\]\.stages lists 'AWSCURRENT' twice/],
    ['an empty id', { versions: [{ ...current, id: '' }] }, /versions\[0\]\.id must be a non-empty string/],
    [
      'a label on two versions',
      { versions: [{ value: OLD, stages: ['AWSPREVIOUS'] }, current, { value: NEXT, stages: ['AWSPREVIOUS'] }] },
      /secrets\['prod\/db'\]: the staging label 'AWSPREVIOUS' is on versions\[0\] and versions\[2\]; a label can be on one version only/,
    ],
    [
      'AWSCURRENT on two versions',
      { versions: [{ value: OLD, stages: ['AWSCURRENT'] }, current] },
      /the staging label 'AWSCURRENT' is on versions\[0\] and versions\[1\]/,
    ],
    ['no AWSCURRENT', { versions: [{ value: OLD, stages: ['AWSPREVIOUS'] }] }, /secrets\['prod\/db'\]: no version has the staging label AWSCURRENT; exactly one must/],
    [
      'an id on two versions',
      { versions: [{ value: OLD, stages: [], id: 'v1' }, { ...current, id: 'v1' }] },
      /secrets\['prod\/db'\]: the version id 'v1' is on versions\[0\] and versions\[1\]; version ids must be unique/,
    ],
  ])('rejects %s, naming the file, the secret and the rule, never a value', (_case, secret, message) => {
    let error: unknown
    try {
      parseSeed(file({ 'prod/db': secret }), 'secrets.json')
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(SeedFileError)
    const text = (error as Error).message
    expect(text).toMatch(/^secrets\.json: secrets\['prod\/db'\]/)
    expect(text).toMatch(message)
    for (const value of VALUES) expect(text).not.toContain(value)
    expect(text).not.toMatch(/username|password/)
  })
})

describe('the model built from versions', () => {
  const rotating = (): string =>
    file({
      'prod/db': {
        versions: [
          { value: OLD, stages: ['AWSPREVIOUS'] },
          { value: NEW, stages: ['AWSCURRENT'], id: 'v-new' },
          { binary: Buffer.from('BIN-S3CRET').toString('base64'), stages: ['AWSPENDING', 'blue'] },
          { value: NEXT, stages: [] },
        ],
      },
      plain: 'p',
    })

  it('answers each stage and each version id with its version, as GetSecretValue would', () => {
    const model = build(rotating())
    expect(model.getSecretValue('prod/db')).toMatchObject({ secretString: NEW, versionId: 'v-new', versionStages: ['AWSCURRENT'] })
    expect(model.getSecretValue('prod/db', { versionStage: 'AWSPREVIOUS' })).toMatchObject({ secretString: OLD, versionStages: ['AWSPREVIOUS'] })
    const pending = model.getSecretValue('prod/db', { versionStage: 'AWSPENDING' })
    expect(Buffer.from(pending.secretBinary!).toString()).toBe('BIN-S3CRET')
    expect(model.getSecretValue('prod/db', { versionStage: 'blue' }).versionId).toBe(pending.versionId)
    expect(model.getSecretValue('prod/db', { versionId: 'v-new' }).secretString).toBe(NEW)
    expect(model.getSecretValue('plain')).toMatchObject({ secretString: 'p', versionStages: ['AWSCURRENT'] })
  })

  it('labels exactly the versions the file labels (DescribeSecret lists labelled versions)', () => {
    const model = build(rotating())
    const previous = model.getSecretValue('prod/db', { versionStage: 'AWSPREVIOUS' }).versionId
    const pending = model.getSecretValue('prod/db', { versionStage: 'AWSPENDING' }).versionId
    expect(model.describeSecret('prod/db').versionIdsToStages).toEqual({
      [previous]: ['AWSPREVIOUS'],
      'v-new': ['AWSCURRENT'],
      [pending]: ['AWSPENDING', 'blue'],
    })
  })

  it('keeps AWSPREVIOUS off every version when the file gives it to none', () => {
    const model = build(file({ s: { versions: [{ value: NEW, stages: ['AWSCURRENT'], id: 'only' }] } }))
    expect(model.describeSecret('s').versionIdsToStages).toEqual({ only: ['AWSCURRENT'] })
    expect(() => model.getSecretValue('s', { versionStage: 'AWSPREVIOUS' })).toThrow(/can't find/)
  })

  it('gives the same derived ids to the same file read again, a new id to a new value only, and keeps ids through a rotation', () => {
    const ids = (text: string): Record<string, string[]> => build(text).describeSecret('prod/db').versionIdsToStages
    const before = file({ 'prod/db': { versions: [{ value: OLD, stages: ['AWSCURRENT'] }] } })
    const [oldId] = Object.keys(ids(before))
    expect(ids(before)).toEqual({ [oldId]: ['AWSCURRENT'] })
    // Rehearsing a rotation: a new version takes AWSCURRENT, the old one AWSPREVIOUS.
    const rotated = ids(file({ 'prod/db': { versions: [{ value: OLD, stages: ['AWSPREVIOUS'] }, { value: NEW, stages: ['AWSCURRENT'] }] } }))
    expect(rotated[oldId]).toEqual(['AWSPREVIOUS'])
    const newId = Object.keys(rotated).find((id) => id !== oldId)!
    expect(newId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(rotated[newId]).toEqual(['AWSCURRENT'])
  })

  it('derives different ids for two versions with the same value', () => {
    const model = build(file({ s: { versions: [{ value: OLD, stages: ['AWSPREVIOUS'] }, { value: OLD, stages: ['AWSCURRENT'] }] } }))
    expect(Object.keys(model.describeSecret('s').versionIdsToStages)).toHaveLength(2)
  })
})
