/** stores/aws-error.ts: what an SDK call threw -> StoreError, set-up problems with codes of their own. */
import { hintFor } from '../../lib/hints.js'
import { toStoreError } from '../../lib/stores/aws-error.js'

describe('set-up problems get a code of their own and a hint that says what to set', () => {
  test('no credentials: CredentialsMissing', () => {
    const thrown = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })
    const error = toStoreError(thrown, 'GetSecretValue')
    expect(error).toMatchObject({ code: 'CredentialsMissing', retryable: false, operation: 'GetSecretValue' })
    expect(hintFor(error.code, 'secretsManager', 'db', error.operation)).toContain('AWS_ACCESS_KEY_ID')
  })

  test('no region: RegionMissing', () => {
    const error = toStoreError(new Error('Region is missing'), 'GetParameters')
    expect(error).toMatchObject({ code: 'RegionMissing', retryable: false })
    expect(hintFor(error.code, 'ssm', '/p', error.operation)).toContain('AWS_REGION')
  })

  test('an SDK client package that is not installed: SdkNotInstalled, naming the package', () => {
    const thrown = Object.assign(new Error("Cannot find package '@aws-sdk/client-ssm' imported from /var/task/index.mjs"), { code: 'ERR_MODULE_NOT_FOUND' })
    const error = toStoreError(thrown, 'fetch')
    expect(error).toMatchObject({ code: 'SdkNotInstalled', message: '@aws-sdk/client-ssm is not installed', retryable: false })
    expect(hintFor(error.code, 'ssm', '/p', undefined)).toContain('npm install @aws-sdk/client-ssm')
    expect(hintFor(error.code, 'secretsManager', 'db', undefined)).toContain('npm install @aws-sdk/client-secrets-manager')
    // Another missing module is not the SDK: reported as it is.
    expect(toStoreError(Object.assign(new Error("Cannot find package 'left-pad'"), { code: 'ERR_MODULE_NOT_FOUND' }), 'fetch').code).toBe('Error')
  })
})
