/**
 * What each AWS service needs on the wire, in one table: its endpoint host prefix, its SigV4
 * signing name, its protocol, the operations the package uses, and which SDK package serves it.
 * Checked against the SDK clients (endpoint rulesets, `defaultSigningName`, X-Amz-Target prefixes)
 * by __tests__/transport/endpoint.test.ts and the protocol tests.
 */
import type { AwsService } from './transport.js'

export type Protocol = 'awsJson1_1' | 'awsJson1_0' | 'restJson1'

export interface ServiceFacts {
  /** `secretsmanager` in secretsmanager.eu-west-1.amazonaws.com. */
  readonly endpointPrefix: string
  /** The SigV4 credential scope's service: AppConfigData signs as `appconfig`. */
  readonly signingName: string
  /** AWS_ENDPOINT_URL_<this>: the SDK's service id, upper case, spaces as underscores. */
  readonly envEndpointId: string
  readonly protocol: Protocol
  /** JSON protocols: X-Amz-Target is `${targetPrefix}.${operation}`. */
  readonly targetPrefix?: string
  /** The operations the lean transport knows how to encode and decode. */
  readonly operations: readonly string[]
  readonly sdkPackage: string
  readonly sdkClient: string
  /**
   * A bigger answer is refused: no answer of these operations is near it, so it is not AWS
   * talking. DynamoDB's BatchGetItem returns up to 16 MB of items as DynamoDB counts their size,
   * which is up to 9 times that as JSON (a map of one-letter names of booleans: 2 bytes a member,
   * 18 as JSON); __tests__/transport/services.test.ts checks the bound against the worst shapes.
   */
  readonly maxResponseBytes: number
}

const MiB = 1024 * 1024

export const SERVICES: Readonly<Record<AwsService, ServiceFacts>> = {
  secretsmanager: {
    endpointPrefix: 'secretsmanager',
    signingName: 'secretsmanager',
    envEndpointId: 'SECRETS_MANAGER',
    protocol: 'awsJson1_1',
    targetPrefix: 'secretsmanager',
    operations: ['GetSecretValue', 'BatchGetSecretValue', 'DescribeSecret'],
    sdkPackage: '@aws-sdk/client-secrets-manager',
    sdkClient: 'SecretsManagerClient',
    maxResponseBytes: 8 * MiB,
  },
  ssm: {
    endpointPrefix: 'ssm',
    signingName: 'ssm',
    envEndpointId: 'SSM',
    protocol: 'awsJson1_1',
    targetPrefix: 'AmazonSSM',
    operations: ['GetParameter', 'GetParameters', 'GetParametersByPath'],
    sdkPackage: '@aws-sdk/client-ssm',
    sdkClient: 'SSMClient',
    maxResponseBytes: 8 * MiB,
  },
  appconfigdata: {
    endpointPrefix: 'appconfigdata',
    signingName: 'appconfig',
    envEndpointId: 'APPCONFIGDATA',
    protocol: 'restJson1',
    operations: ['StartConfigurationSession', 'GetLatestConfiguration'],
    sdkPackage: '@aws-sdk/client-appconfigdata',
    sdkClient: 'AppConfigDataClient',
    maxResponseBytes: 8 * MiB,
  },
  dynamodb: {
    endpointPrefix: 'dynamodb',
    signingName: 'dynamodb',
    envEndpointId: 'DYNAMODB',
    protocol: 'awsJson1_0',
    targetPrefix: 'DynamoDB_20120810',
    operations: ['GetItem', 'BatchGetItem', 'Query'],
    sdkPackage: '@aws-sdk/client-dynamodb',
    sdkClient: 'DynamoDBClient',
    maxResponseBytes: 160 * MiB,
  },
}
