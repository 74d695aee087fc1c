/** aws-server/ssm.ts through the real SDK client: selectors, versions and labels, batches, paths and their pages. */
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  PutParameterCommand,
  type Parameter,
} from '@aws-sdk/client-ssm'
import { failure, useSeededServer } from './harness.js'

const aws = useSeededServer()

describe('SSM Parameter Store', () => {
  test('GetParameter answers a String parameter with its metadata', async () => {
    const { Parameter } = await aws.ssm.send(new GetParameterCommand({ Name: '/app/plain' }))
    expect(Parameter).toMatchObject({ Name: '/app/plain', Type: 'String', Value: 'hello', Version: 1, DataType: 'text' })
    expect(Parameter?.ARN).toBe('arn:aws:ssm:us-east-1:123456789012:parameter/app/plain')
    expect(Parameter?.LastModifiedDate).toBeInstanceOf(Date)
  })

  test('a SecureString read without decryption does not answer the value', async () => {
    const hidden = await aws.ssm.send(new GetParameterCommand({ Name: '/app/secure' }))
    const shown = await aws.ssm.send(new GetParameterCommand({ Name: '/app/secure', WithDecryption: true }))
    expect(hidden.Parameter?.Type).toBe('SecureString')
    expect(hidden.Parameter?.Value).not.toBe('s3cret')
    expect(shown.Parameter?.Value).toBe('s3cret')
  })

  test('PutParameter adds versions; GetParameter selects :version and :label', async () => {
    await aws.ssm.send(new PutParameterCommand({ Name: '/sel/p', Value: 'one', Type: 'String' }))
    const put = await aws.ssm.send(new PutParameterCommand({ Name: '/sel/p', Value: 'two', Overwrite: true }))
    expect(put.Version).toBe(2)
    const labelled = await aws.ssm.send(new LabelParameterVersionCommand({ Name: '/sel/p', ParameterVersion: 1, Labels: ['stable', 'aws-bad'] }))
    expect(labelled).toMatchObject({ ParameterVersion: 1, InvalidLabels: ['aws-bad'] })

    const byVersion = await aws.ssm.send(new GetParameterCommand({ Name: '/sel/p:1' }))
    const byLabel = await aws.ssm.send(new GetParameterCommand({ Name: '/sel/p:stable' }))
    const latest = await aws.ssm.send(new GetParameterCommand({ Name: '/sel/p' }))
    expect(byVersion.Parameter).toMatchObject({ Value: 'one', Selector: ':1' })
    expect(byLabel.Parameter).toMatchObject({ Value: 'one', Selector: ':stable' })
    expect(latest.Parameter).toMatchObject({ Value: 'two', Version: 2 })
  })

  test('PutParameter without Overwrite on an existing name is ParameterAlreadyExists', async () => {
    const error = await failure(aws.ssm.send(new PutParameterCommand({ Name: '/app/plain', Value: 'x', Type: 'String' })))
    expect(error.name).toBe('ParameterAlreadyExists')
  })

  test('an unknown parameter is ParameterNotFound', async () => {
    const error = await failure(aws.ssm.send(new GetParameterCommand({ Name: '/nope' })))
    expect(error.name).toBe('ParameterNotFound')
    expect(error.$metadata?.httpStatusCode).toBe(400)
  })

  test('GetParameters lists unknown names in InvalidParameters', async () => {
    const out = await aws.ssm.send(new GetParametersCommand({ Names: ['/app/plain', '/nope', '/app/list'] }))
    expect(out.Parameters?.map((p: Parameter) => p.Name)).toEqual(['/app/plain', '/app/list'])
    expect(out.InvalidParameters).toEqual(['/nope'])
  })

  test('GetParameters with more than 10 names is a ValidationException', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `/many/p${String(i + 1).padStart(2, '0')}`)
    const error = await failure(aws.ssm.send(new GetParametersCommand({ Names: names })))
    expect(error.name).toBe('ValidationException')
    expect(error.message).toContain('less than or equal to 10')
  })

  test('GetParametersByPath pages 10 at a time: 25 parameters in 3 pages', async () => {
    const sizes: number[] = []
    let token: string | undefined
    do {
      const out = await aws.ssm.send(new GetParametersByPathCommand({ Path: '/many', NextToken: token }))
      sizes.push(out.Parameters?.length ?? 0)
      token = out.NextToken
    } while (token)
    expect(sizes).toEqual([10, 10, 5])
  })

  test('GetParametersByPath is one level deep unless Recursive', async () => {
    const flat = await aws.ssm.send(new GetParametersByPathCommand({ Path: '/app' }))
    const deep = await aws.ssm.send(new GetParametersByPathCommand({ Path: '/app', Recursive: true }))
    expect(flat.Parameters?.map((p) => p.Name)).not.toContain('/app/nested/deep')
    expect(deep.Parameters?.map((p) => p.Name)).toContain('/app/nested/deep')
  })

  test('GetParametersByPath rejects MaxResults above 10', async () => {
    const error = await failure(aws.ssm.send(new GetParametersByPathCommand({ Path: '/many', MaxResults: 50 })))
    expect(error.name).toBe('ValidationException')
  })
})

describe('single-level names: `/name` and `name` are one parameter, as SSM has it', () => {
  test('GetParameter, GetParameters, PutParameter and LabelParameterVersion find it either way; answers carry the name it was created with', async () => {
    await aws.ssm.send(new PutParameterCommand({ Name: 'flat-one', Value: 'f1', Type: 'String' }))
    const byGet = await aws.ssm.send(new GetParameterCommand({ Name: '/flat-one' }))
    expect(byGet.Parameter).toMatchObject({ Name: 'flat-one', Value: 'f1', ARN: 'arn:aws:ssm:us-east-1:123456789012:parameter/flat-one' })

    const batch = await aws.ssm.send(new GetParametersCommand({ Names: ['/flat-one', 'flat-one'] }))
    expect(batch.Parameters?.map((p) => [p.Name, p.Value])).toEqual([['flat-one', 'f1'], ['flat-one', 'f1']])
    expect(batch.InvalidParameters).toEqual([])

    expect((await failure(aws.ssm.send(new PutParameterCommand({ Name: '/flat-one', Value: 'x', Type: 'String' })))).name).toBe('ParameterAlreadyExists')
    const put = await aws.ssm.send(new PutParameterCommand({ Name: '/flat-one', Value: 'f2', Overwrite: true }))
    expect(put.Version).toBe(2)
    await aws.ssm.send(new LabelParameterVersionCommand({ Name: '/flat-one', ParameterVersion: 1, Labels: ['first'] }))
    const labelled = await aws.ssm.send(new GetParameterCommand({ Name: 'flat-one:first' }))
    expect(labelled.Parameter).toMatchObject({ Name: 'flat-one', Value: 'f1', Selector: ':first' })
    expect(aws.server.model.parameterNames().filter((name) => name.includes('flat-one'))).toEqual(['flat-one'])
  })

  test('a parameter created as `/name` is found as `name`', async () => {
    await aws.ssm.send(new PutParameterCommand({ Name: '/flat-two', Value: 't1', Type: 'String' }))
    const out = await aws.ssm.send(new GetParametersCommand({ Names: ['flat-two'] }))
    expect(out.Parameters?.map((p) => [p.Name, p.Value])).toEqual([['/flat-two', 't1']])
  })

  test('a deeper name is not: `app/plain` is not `/app/plain`', async () => {
    const out = await aws.ssm.send(new GetParametersCommand({ Names: ['app/plain'] }))
    expect(out.InvalidParameters).toEqual(['app/plain'])
  })
})
