/** testing/appconfig-model.ts: applications, environments, profiles by name or id, hosted versions, deployments. */
import { SecretsModel } from '../../lib/testing/model.js'
import { thrown } from '../support/model-errors.js'

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

describe('seed', () => {
  test("'app/env/profile': a string is JSON content, deployed as version 1", () => {
    const { appConfig } = new SecretsModel({ appConfig: { 'shop/prod/flags': '{"beta":true}' } })
    const deployed = appConfig.deployed('shop', 'prod', 'flags')
    expect(text(deployed.version.content)).toBe('{"beta":true}')
    expect(deployed.version).toMatchObject({ versionNumber: 1, contentType: 'application/json', versionLabel: undefined })
    expect(deployed.deploymentNumber).toBe(1)
    expect(deployed.application.name).toBe('shop')
    expect(appConfig.deployedNames()).toEqual(['shop/prod/flags'])
  })

  test('content as bytes, with its content type and a version label', () => {
    const bytes = new Uint8Array([0, 159, 146, 150])
    const { appConfig } = new SecretsModel({ appConfig: { 'a/e/p': { content: bytes, contentType: 'application/octet-stream', versionLabel: 'v1.0' } } })
    expect(appConfig.deployed('a', 'e', 'p').version).toMatchObject({ content: bytes, contentType: 'application/octet-stream', versionLabel: 'v1.0' })
  })

  test('a key that is not application/environment/profile is refused', () => {
    expect(() => new SecretsModel({ appConfig: { 'a/e': '{}' } })).toThrow(TypeError)
    expect(() => new SecretsModel({ appConfig: { 'a/e/p/x': '{}' } })).toThrow("keyed 'application/environment/profile'")
  })
})

describe('names and ids', () => {
  test('each resource has a 7-character lowercase id, and is found by id as by name', () => {
    const { appConfig } = new SecretsModel({ appConfig: { 'shop/prod/flags': '{}', 'shop/dev/flags': '{}', 'shop/prod/limits': '{}' } })
    const byName = appConfig.resolve('shop', 'prod', 'flags')
    for (const resource of Object.values(byName)) expect(resource.id).toMatch(/^[a-z0-9]{7}$/)
    expect(appConfig.resolve(byName.application.id, byName.environment.id, byName.profile.id)).toEqual(byName)
    expect(appConfig.resolve(byName.application.id, 'prod', byName.profile.id)).toEqual(byName)
    const ids = [byName, appConfig.resolve('shop', 'dev', 'limits')].flatMap((t) => [t.application.id, t.environment.id, t.profile.id])
    expect(new Set(ids).size).toBe(5) // one application, two environments, two profiles
  })

  test('ids are stable: the same names give the same ids in another model', () => {
    const a = new SecretsModel({ appConfig: { 'shop/prod/flags': '{}' } }).appConfig.resolve('shop', 'prod', 'flags')
    const b = new SecretsModel({ appConfig: { 'shop/prod/flags': '{"other":1}' } }).appConfig.resolve('shop', 'prod', 'flags')
    expect(b).toEqual(a)
  })

  test('an unknown application, environment or profile: ResourceNotFoundException (404) with its ResourceType', () => {
    const { appConfig } = new SecretsModel({ appConfig: { 'shop/prod/flags': '{}' } })
    const cases: Array<[[string, string, string], string]> = [
      [['nope', 'prod', 'flags'], 'Application'],
      [['shop', 'nope', 'flags'], 'Environment'],
      [['shop', 'prod', 'nope'], 'ConfigurationProfile'],
    ]
    for (const [[app, env, profile], resourceType] of cases) {
      const error = thrown(() => appConfig.resolve(app, env, profile))
      expect(error).toMatchObject({ code: 'ResourceNotFoundException', httpStatus: 404, fields: { ResourceType: resourceType } })
      expect(error.message).toContain('nope')
    }
  })

  test('a profile that was never deployed to the environment: ResourceNotFoundException (Deployment)', () => {
    const { appConfig } = new SecretsModel({ appConfig: { 'shop/prod/flags': '{}' } })
    appConfig.createEnvironment('shop', 'dev')
    expect(thrown(() => appConfig.deployed('shop', 'dev', 'flags')).fields).toEqual({ ResourceType: 'Deployment' })
  })
})

describe('versions and deployments', () => {
  test('deploy() adds the next hosted version and deploys it; each deployment to the environment is numbered', () => {
    const { appConfig } = new SecretsModel({ appConfig: { 'shop/prod/flags': '{"v":1}' } })
    const second = appConfig.deploy('shop', 'prod', 'flags', 'v: 2', { contentType: 'application/x-yaml', versionLabel: 'two' })
    expect(second.version).toMatchObject({ versionNumber: 2, contentType: 'application/x-yaml', versionLabel: 'two' })
    expect(second.deploymentNumber).toBe(2)
    expect(text(appConfig.deployed('shop', 'prod', 'flags').version.content)).toBe('v: 2')
  })

  test('startDeployment() of an earlier version rolls back; an unknown version is not found', () => {
    const { appConfig } = new SecretsModel({ appConfig: { 'shop/prod/flags': '{"v":1}' } })
    appConfig.deploy('shop', 'prod', 'flags', '{"v":2}')
    const rolledBack = appConfig.startDeployment('shop', 'prod', 'flags', 1)
    expect(text(rolledBack.version.content)).toBe('{"v":1}')
    expect(rolledBack.deploymentNumber).toBe(3)
    expect(thrown(() => appConfig.startDeployment('shop', 'prod', 'flags', 9)).code).toBe('ResourceNotFoundException')
  })

  test('a version added but not deployed changes nothing; another environment keeps its own deployment', () => {
    const { appConfig } = new SecretsModel({ appConfig: { 'shop/prod/flags': '{"v":1}', 'shop/dev/flags': '{"v":"dev"}' } })
    appConfig.createHostedConfigurationVersion('shop', 'flags', '{"v":3}')
    expect(text(appConfig.deployed('shop', 'prod', 'flags').version.content)).toBe('{"v":1}')
    expect(appConfig.deployed('shop', 'dev', 'flags').version.versionNumber).toBe(2)
    expect(text(appConfig.deployed('shop', 'dev', 'flags').version.content)).toBe('{"v":"dev"}')
  })

  test('the model keeps a copy of the content it is given', () => {
    const bytes = new Uint8Array([1, 2, 3])
    const { appConfig } = new SecretsModel()
    appConfig.deploy('a', 'e', 'p', bytes, { contentType: 'application/octet-stream' })
    bytes[0] = 9
    expect([...appConfig.deployed('a', 'e', 'p').version.content]).toEqual([1, 2, 3])
  })

  test('create* returns the existing resource for a name already taken', () => {
    const { appConfig } = new SecretsModel()
    const app = appConfig.createApplication('a')
    expect(appConfig.createApplication('a')).toEqual(app)
    expect(appConfig.createEnvironment(app.id, 'e')).toEqual(appConfig.createEnvironment('a', 'e'))
    expect(appConfig.createConfigurationProfile('a', 'p')).toEqual(appConfig.createConfigurationProfile(app.id, 'p'))
  })
})
