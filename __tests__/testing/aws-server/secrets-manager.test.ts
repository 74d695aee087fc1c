/** aws-server/secrets-manager.ts (with secrets-manager-batch.ts and secrets-manager-values.ts) through the real SDK client: every operation's wire shape, AWS's version-stage and paging rules. */
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import { BINARY, failure, useSeededServer } from './harness.js'

const aws = useSeededServer()

describe('Secrets Manager', () => {
  test('GetSecretValue answers the AWSCURRENT version with its metadata', async () => {
    const out = await aws.sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))
    expect(out.SecretString).toBe('{"username":"u","password":"p"}')
    expect(out.Name).toBe('prod/db')
    expect(out.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:prod\/db-.{6}$/)
    expect(out.VersionStages).toEqual(['AWSCURRENT'])
    expect(out.CreatedDate).toBeInstanceOf(Date)
    expect(out.$metadata.requestId).toBeTruthy()
  })

  test('SecretBinary travels as base64 both ways', async () => {
    const seeded = await aws.sm.send(new GetSecretValueCommand({ SecretId: 'prod/bin' }))
    expect(seeded.SecretString).toBeUndefined()
    expect(Array.from(seeded.SecretBinary ?? [])).toEqual(Array.from(BINARY))

    await aws.sm.send(new PutSecretValueCommand({ SecretId: 'prod/bin', SecretBinary: new Uint8Array([9, 8, 7]) }))
    const updated = await aws.sm.send(new GetSecretValueCommand({ SecretId: 'prod/bin' }))
    expect(Array.from(updated.SecretBinary ?? [])).toEqual([9, 8, 7])
  })

  test('a secret is found by full ARN and by ARN without the random suffix', async () => {
    const { ARN } = await aws.sm.send(new DescribeSecretCommand({ SecretId: 'prod/api' }))
    const byArn = await aws.sm.send(new GetSecretValueCommand({ SecretId: ARN }))
    const byPartialArn = await aws.sm.send(new GetSecretValueCommand({ SecretId: ARN!.slice(0, -7) }))
    expect(byArn.Name).toBe('prod/api')
    expect(byPartialArn.Name).toBe('prod/api')
  })

  test('PutSecretValue moves AWSCURRENT and hands AWSPREVIOUS to the old version', async () => {
    await aws.sm.send(new CreateSecretCommand({ Name: 'rot/one', SecretString: 'old' }))
    const before = await aws.sm.send(new GetSecretValueCommand({ SecretId: 'rot/one' }))
    const put = await aws.sm.send(new PutSecretValueCommand({ SecretId: 'rot/one', SecretString: 'new' }))
    expect(put.VersionStages).toEqual(['AWSCURRENT'])

    const current = await aws.sm.send(new GetSecretValueCommand({ SecretId: 'rot/one' }))
    const previous = await aws.sm.send(new GetSecretValueCommand({ SecretId: 'rot/one', VersionStage: 'AWSPREVIOUS' }))
    expect(current.SecretString).toBe('new')
    expect(previous.SecretString).toBe('old')
    expect(previous.VersionId).toBe(before.VersionId)

    const described = await aws.sm.send(new DescribeSecretCommand({ SecretId: 'rot/one' }))
    expect(described.VersionIdsToStages).toEqual({ [before.VersionId!]: ['AWSPREVIOUS'], [put.VersionId!]: ['AWSCURRENT'] })
  })

  test('PutSecretValue with a retried ClientRequestToken is idempotent, with another value a conflict', async () => {
    await aws.sm.send(new CreateSecretCommand({ Name: 'idem/one', SecretString: 'v0' }))
    const token = '11111111-2222-4333-8444-555555555555'
    const first = await aws.sm.send(new PutSecretValueCommand({ SecretId: 'idem/one', SecretString: 'v1', ClientRequestToken: token }))
    const retry = await aws.sm.send(new PutSecretValueCommand({ SecretId: 'idem/one', SecretString: 'v1', ClientRequestToken: token }))
    expect(first.VersionId).toBe(token)
    expect(retry.VersionId).toBe(token)
    const conflict = await failure(aws.sm.send(new PutSecretValueCommand({ SecretId: 'idem/one', SecretString: 'v2', ClientRequestToken: token })))
    expect(conflict.name).toBe('ResourceExistsException')
  })

  test('UpdateSecretVersionStage and ListSecretVersionIds follow the stages', async () => {
    await aws.sm.send(new CreateSecretCommand({ Name: 'stage/one', SecretString: 'a' }))
    const first = await aws.sm.send(new GetSecretValueCommand({ SecretId: 'stage/one' }))
    const second = await aws.sm.send(new PutSecretValueCommand({ SecretId: 'stage/one', SecretString: 'b', VersionStages: ['AWSPENDING'] }))
    await aws.sm.send(
      new UpdateSecretVersionStageCommand({ SecretId: 'stage/one', VersionStage: 'AWSCURRENT', MoveToVersionId: second.VersionId, RemoveFromVersionId: first.VersionId }),
    )
    expect((await aws.sm.send(new GetSecretValueCommand({ SecretId: 'stage/one' }))).SecretString).toBe('b')

    const listed = await aws.sm.send(new ListSecretVersionIdsCommand({ SecretId: 'stage/one' }))
    const stages = Object.fromEntries((listed.Versions ?? []).map((v) => [v.VersionId, v.VersionStages]))
    expect(stages[first.VersionId!]).toEqual(['AWSPREVIOUS'])
    expect(stages[second.VersionId!]).toEqual(expect.arrayContaining(['AWSPENDING', 'AWSCURRENT']))
    expect(listed.Versions?.[0]?.CreatedDate).toBeInstanceOf(Date)
  })

  test('CreateSecret answers ARN and version; a second one is ResourceExistsException', async () => {
    const created = await aws.sm.send(new CreateSecretCommand({ Name: 'new/one', SecretString: 'x' }))
    expect(created.ARN).toContain(':secret:new/one-')
    expect(created.VersionId).toBeTruthy()
    const again = await failure(aws.sm.send(new CreateSecretCommand({ Name: 'new/one', SecretString: 'x' })))
    expect(again.name).toBe('ResourceExistsException')
    expect(again.$metadata?.httpStatusCode).toBe(400)
  })

  test('DescribeSecret reports rotation as epoch-second dates the SDK turns into Dates', async () => {
    await aws.sm.send(new CreateSecretCommand({ Name: 'rot/described', SecretString: 'v1' }))
    aws.server.model.setRotation('rot/described', { enabled: true, everyDays: 7 })
    aws.server.model.rotate('rot/described', 'v2')
    const out = await aws.sm.send(new DescribeSecretCommand({ SecretId: 'rot/described' }))
    expect(out.RotationEnabled).toBe(true)
    expect(out.RotationRules).toEqual({ AutomaticallyAfterDays: 7 })
    expect(out.LastRotatedDate).toBeInstanceOf(Date)
    expect(out.NextRotationDate!.getTime()).toBeGreaterThan(out.LastRotatedDate!.getTime())
  })

  test('an unknown secret is ResourceNotFoundException, HTTP 400, with AWS message', async () => {
    const error = await failure(aws.sm.send(new GetSecretValueCommand({ SecretId: 'nope' })))
    expect(error.name).toBe('ResourceNotFoundException')
    expect(error.message).toBe("Secrets Manager can't find the specified secret.")
    expect(error.$metadata?.httpStatusCode).toBe(400)
    expect(error.$fault).toBe('client')
  })

  test('BatchGetSecretValue succeeds with a missing secret listed in Errors', async () => {
    const out = await aws.sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['prod/db', 'missing/one', 'prod/api'] }))
    expect(out.SecretValues?.map((v) => v.Name)).toEqual(['prod/db', 'prod/api'])
    expect(out.Errors).toEqual([{ SecretId: 'missing/one', ErrorCode: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." }])
  })

  test('BatchGetSecretValue takes at most 20 ids', async () => {
    const ids = Array.from({ length: 21 }, (_, i) => `s${i}`)
    const error = await failure(aws.sm.send(new BatchGetSecretValueCommand({ SecretIdList: ids })))
    expect(error.name).toBe('ValidationException')
  })

  test('BatchGetSecretValue with a name filter pages with MaxResults and NextToken', async () => {
    for (let i = 0; i < 25; i += 1) aws.server.model.createSecret(`batch/s${String(i).padStart(2, '0')}`, `v${i}`)
    const names: string[] = []
    let token: string | undefined
    let pages = 0
    do {
      const out = await aws.sm.send(new BatchGetSecretValueCommand({ Filters: [{ Key: 'name', Values: ['batch/'] }], MaxResults: 10, NextToken: token }))
      names.push(...(out.SecretValues ?? []).map((v) => v.Name!))
      token = out.NextToken
      pages += 1
    } while (token)
    expect(pages).toBe(3)
    expect(names).toHaveLength(25)
  })

  test('a perEntry fault puts one secret of a batch in Errors', async () => {
    aws.server.fault({ kind: 'error', code: 'AccessDeniedException', name: 'prod/api', perEntry: true })
    const out = await aws.sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['prod/db', 'prod/api'] }))
    expect(out.SecretValues?.map((v) => v.Name)).toEqual(['prod/db'])
    expect(out.Errors?.[0]).toMatchObject({ SecretId: 'prod/api', ErrorCode: 'AccessDeniedException' })
    expect(out.Errors?.[0]?.Message).toContain('secretsmanager:BatchGetSecretValue')
  })
})
