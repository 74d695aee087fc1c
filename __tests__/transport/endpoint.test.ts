/**
 * Endpoint resolution: a readable table of the hosts, then the SDK clients' own endpoint
 * providers as the reference for every region of the three partitions, every service and every
 * FIPS / dual-stack combination, then configured endpoints (clientOptions, AWS_ENDPOINT_URL_*),
 * whose precedence and variable names are checked against a real SDK client.
 */
import { AppConfigDataClient } from '@aws-sdk/client-appconfigdata'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SSMClient } from '@aws-sdk/client-ssm'
import { regionalEndpoint, resolveEndpoint, type EndpointSettings } from '../../lib/transport/endpoint.js'
import { sdkTransport } from '../../lib/transport/sdk.js'
import type { AwsService } from '../../lib/transport/transport.js'
import { CREDENTIALS, options, startCaptureServer } from './support.js'

const SERVICES: readonly AwsService[] = ['secretsmanager', 'ssm', 'appconfigdata', 'dynamodb']
const FLAGS = [
  { fips: false, dualStack: false },
  { fips: true, dualStack: false },
  { fips: false, dualStack: true },
  { fips: true, dualStack: true },
] as const

describe('regional endpoints', () => {
  test.each([
    ['secretsmanager', 'eu-west-1', false, false, 'https://secretsmanager.eu-west-1.amazonaws.com/'],
    ['secretsmanager', 'eu-west-1', true, false, 'https://secretsmanager-fips.eu-west-1.amazonaws.com/'],
    ['secretsmanager', 'eu-west-1', false, true, 'https://secretsmanager.eu-west-1.amazonaws.com/'], // dual-stack on its usual host
    ['secretsmanager', 'us-east-1', true, true, 'https://secretsmanager-fips.us-east-1.amazonaws.com/'],
    ['secretsmanager', 'cn-north-1', false, true, 'https://secretsmanager.cn-north-1.amazonaws.com.cn/'],
    ['secretsmanager', 'cn-north-1', true, true, 'https://secretsmanager-fips.cn-north-1.api.amazonwebservices.com.cn/'],
    ['secretsmanager', 'us-gov-west-1', true, false, 'https://secretsmanager-fips.us-gov-west-1.amazonaws.com/'],
    ['ssm', 'eu-west-1', false, false, 'https://ssm.eu-west-1.amazonaws.com/'],
    ['ssm', 'eu-west-1', true, false, 'https://ssm-fips.eu-west-1.amazonaws.com/'],
    ['ssm', 'eu-west-1', false, true, 'https://ssm.eu-west-1.api.aws/'],
    ['ssm', 'eu-west-1', true, true, 'https://ssm-fips.eu-west-1.api.aws/'],
    ['ssm', 'cn-northwest-1', false, false, 'https://ssm.cn-northwest-1.amazonaws.com.cn/'],
    ['ssm', 'cn-northwest-1', false, true, 'https://ssm.cn-northwest-1.api.amazonwebservices.com.cn/'],
    ['ssm', 'us-gov-west-1', true, false, 'https://ssm.us-gov-west-1.amazonaws.com/'], // GovCloud hosts are FIPS already
    ['ssm', 'us-gov-east-1', true, true, 'https://ssm-fips.us-gov-east-1.api.aws/'],
    ['appconfigdata', 'ap-southeast-2', false, false, 'https://appconfigdata.ap-southeast-2.amazonaws.com/'],
    ['appconfigdata', 'ap-southeast-2', true, true, 'https://appconfigdata-fips.ap-southeast-2.api.aws/'],
    ['appconfigdata', 'us-gov-west-1', true, false, 'https://appconfigdata.us-gov-west-1.amazonaws.com/'],
    ['dynamodb', 'us-east-1', false, false, 'https://dynamodb.us-east-1.amazonaws.com/'],
    ['dynamodb', 'us-east-1', true, false, 'https://dynamodb-fips.us-east-1.amazonaws.com/'],
    ['dynamodb', 'us-east-1', false, true, 'https://dynamodb.us-east-1.api.aws/'],
    ['dynamodb', 'cn-north-1', true, false, 'https://dynamodb-fips.cn-north-1.amazonaws.com.cn/'],
    ['dynamodb', 'us-gov-east-1', true, false, 'https://dynamodb.us-gov-east-1.amazonaws.com/'],
  ] as const)('%s %s fips=%s dualStack=%s -> %s', (service, region, fips, dualStack, expected) => {
    expect(regionalEndpoint(service, region, { fips, dualStack })).toBe(expected)
  })

  test.each(['us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1', 'eusc-de-east-1', 'aws-global', 'fips-us-east-1', 'us-east-1-fips', 'local'])(
    'no known partition for %j: left to the SDK',
    (region) => {
      expect(regionalEndpoint('ssm', region, FLAGS[0])).toBeUndefined()
      expect(resolveEndpoint('ssm', { region, ...FLAGS[0], ignoreConfiguredEndpointUrls: false }, {})).toEqual({ ok: false, reason: `no known partition for region '${region}'` })
    },
  )

  test.each(['EU-WEST-1', '', 'us-east_1-1', 'eu-west-1.'])('no host label %j: left to the SDK', (region) => {
    expect(resolveEndpoint('ssm', { region, ...FLAGS[0], ignoreConfiguredEndpointUrls: false }, {})).toEqual({ ok: false, reason: `region '${region}' is not a valid region name` })
  })
})

describe("the SDK's own endpoint provider agrees, for every region, service and flag", () => {
  // The explicit regions of aws, aws-cn and aws-us-gov in @aws-sdk/core's partitions, and two
  // regions that do not exist yet (the region patterns must place them).
  const REGIONS = [
    ...'af-south-1 ap-east-1 ap-east-2 ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-south-1 ap-south-2 ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4 ap-southeast-5 ap-southeast-6 ap-southeast-7 ca-central-1 ca-west-1 eu-central-1 eu-central-2 eu-north-1 eu-south-1 eu-south-2 eu-west-1 eu-west-2 eu-west-3 il-central-1 me-central-1 me-south-1 me-west-1 mx-central-1 sa-east-1 sa-west-1 us-east-1 us-east-2 us-west-1 us-west-2'.split(' '),
    'cn-north-1',
    'cn-northwest-1',
    'us-gov-east-1',
    'us-gov-west-1',
    'eu-future-9',
    'us-gov-future-2',
  ]
  const CLIENTS = { secretsmanager: SecretsManagerClient, ssm: SSMClient, appconfigdata: AppConfigDataClient, dynamodb: DynamoDBClient }

  test.each(SERVICES)('%s', (service) => {
    const client = new CLIENTS[service]({ region: 'us-east-1', credentials: CREDENTIALS })
    const provider = client.config.endpointProvider as (params: Record<string, unknown>) => { url: URL }
    const mismatches: string[] = []
    for (const region of REGIONS) {
      for (const flags of FLAGS) {
        const sdk = provider({ Region: region, UseFIPS: flags.fips, UseDualStack: flags.dualStack }).url.href
        const lean = regionalEndpoint(service, region, flags)
        if (lean !== sdk) mismatches.push(`${region} ${JSON.stringify(flags)}: sdk ${sdk}, lean ${lean}`)
      }
    }
    client.destroy()
    expect(mismatches).toEqual([])
  })
})

describe('configured endpoints', () => {
  const base: EndpointSettings = { region: 'eu-west-1', fips: false, dualStack: false, ignoreConfiguredEndpointUrls: false }
  const ENV = { AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://sm.local:1/', AWS_ENDPOINT_URL_SSM: 'http://ssm.local:2/', AWS_ENDPOINT_URL: 'http://all.local:3/' }

  test.each([
    ['clientOptions.endpoint wins over the environment', 'ssm', { endpoint: 'http://127.0.0.1:4566' }, ENV, { ok: true, url: 'http://127.0.0.1:4566/', regional: false }],
    ['a URL object', 'ssm', { endpoint: new URL('https://vpce-1.ssm.eu-west-1.vpce.amazonaws.com') }, {}, { ok: true, url: 'https://vpce-1.ssm.eu-west-1.vpce.amazonaws.com/', regional: false }],
    ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'secretsmanager', {}, ENV, { ok: true, url: 'http://sm.local:1/', regional: false }],
    ['AWS_ENDPOINT_URL_SSM', 'ssm', {}, ENV, { ok: true, url: 'http://ssm.local:2/', regional: false }],
    ['AWS_ENDPOINT_URL_APPCONFIGDATA', 'appconfigdata', {}, { AWS_ENDPOINT_URL_APPCONFIGDATA: 'http://ac.local/' }, { ok: true, url: 'http://ac.local/', regional: false }],
    ['AWS_ENDPOINT_URL_DYNAMODB', 'dynamodb', {}, { AWS_ENDPOINT_URL_DYNAMODB: 'http://ddb.local:8000' }, { ok: true, url: 'http://ddb.local:8000/', regional: false }],
    ['AWS_ENDPOINT_URL for the rest', 'dynamodb', {}, ENV, { ok: true, url: 'http://all.local:3/', regional: false }],
    ['an empty service variable falls through', 'ssm', {}, { ...ENV, AWS_ENDPOINT_URL_SSM: '' }, { ok: true, url: 'http://all.local:3/', regional: false }],
    ['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS skips the environment', 'ssm', { ignoreConfiguredEndpointUrls: true }, ENV, { ok: true, url: 'https://ssm.eu-west-1.amazonaws.com/', regional: true }],
    ['... but not clientOptions.endpoint', 'ssm', { ignoreConfiguredEndpointUrls: true, endpoint: 'http://x.local/' }, ENV, { ok: true, url: 'http://x.local/', regional: false }],
    ['a path is kept', 'ssm', { endpoint: 'https://proxy.local/aws/ssm' }, {}, { ok: true, url: 'https://proxy.local/aws/ssm', regional: false }],
    ['FIPS with a custom endpoint', 'ssm', { fips: true }, ENV, { ok: false, reason: "AWS_ENDPOINT_URL_SSM together with FIPS or dual-stack (the SDK's rules refuse it)" }],
    ['dual-stack with a custom endpoint', 'ssm', { dualStack: true, endpoint: 'http://x/' }, {}, { ok: false, reason: "clientOptions.endpoint together with FIPS or dual-stack (the SDK's rules refuse it)" }],
    ['not a URL', 'ssm', { endpoint: 'localhost:4566' }, {}, { ok: false, reason: 'clientOptions.endpoint is not an http(s) URL' }],
    ['not parseable', 'ssm', { endpoint: 'http://' }, {}, { ok: false, reason: 'clientOptions.endpoint is not a valid URL' }],
    ['an EndpointV1 object', 'ssm', { endpoint: { hostname: 'x', protocol: 'https:', path: '/' } }, {}, { ok: false, reason: 'clientOptions.endpoint is not a string or URL' }],
    ['a provider function', 'ssm', { endpoint: () => 'http://x/' }, {}, { ok: false, reason: 'clientOptions.endpoint is not a string or URL' }],
    ['a query string', 'ssm', { endpoint: 'http://x/?a=1' }, {}, { ok: false, reason: 'clientOptions.endpoint has credentials, a query or a fragment' }],
    ['a region that is no host label, with a custom endpoint', 'ssm', { region: 'eu west', endpoint: 'http://x/' }, {}, { ok: false, reason: "region 'eu west' is not a valid region name" }],
    ['any region name with a custom endpoint (LocalStack)', 'ssm', { region: 'local', endpoint: 'http://x/' }, {}, { ok: true, url: 'http://x/', regional: false }],
    // The SDK keeps that slash before a REST operation's path (AppConfigData: /prefix//configuration).
    ['a path ending in a slash', 'appconfigdata', { endpoint: 'https://proxy.local/prefix/' }, {}, { ok: false, reason: "clientOptions.endpoint has a path ending in '/'" }],
    // The SDK refuses it (a configuration error); a request to such a host fails as a network error, retried.
    ['a region that is no host label, regional', 'ssm', { region: 'us-east_1-1' }, {}, { ok: false, reason: "region 'us-east_1-1' is not a valid region name" }],
    ['... in aws-us-gov', 'secretsmanager', { region: 'us-gov-west_1-1' }, {}, { ok: false, reason: "region 'us-gov-west_1-1' is not a valid region name" }],
  ] as const)('%s', (_what, service, settings, env, expected) => {
    expect(resolveEndpoint(service, { ...base, ...settings }, env)).toEqual(expected)
  })

  test("an SDK client picks the same endpoint from the same variables (names and precedence)", async () => {
    const servers = await Promise.all([startCaptureServer(), startCaptureServer()])
    const [specific, general] = servers
    const saved = { ...process.env }
    try {
      for (const service of SERVICES) {
        for (const variable of Object.keys(process.env)) if (variable.startsWith('AWS_ENDPOINT_URL')) delete process.env[variable]
        const env = { [`AWS_ENDPOINT_URL_${({ secretsmanager: 'SECRETS_MANAGER', ssm: 'SSM', appconfigdata: 'APPCONFIGDATA', dynamodb: 'DYNAMODB' } as const)[service]}`]: specific!.endpoint, AWS_ENDPOINT_URL: general!.endpoint }
        Object.assign(process.env, env)
        const lean = resolveEndpoint(service, base, env)
        const operation = { secretsmanager: 'GetSecretValue', ssm: 'GetParameter', appconfigdata: 'GetLatestConfiguration', dynamodb: 'GetItem' }[service]
        await sdkTransport(service, { clientOptions: { region: 'eu-west-1', credentials: CREDENTIALS } }).call(operation, {}, options())
        const reached = specific!.requests.length > 0 ? specific!.endpoint : general!.requests.length > 0 ? general!.endpoint : 'nowhere'
        expect({ service, url: lean.ok ? lean.url : lean.reason }).toEqual({ service, url: `${reached}/` })
        specific!.requests.splice(0)
        general!.requests.splice(0)
      }
    } finally {
      for (const variable of Object.keys(process.env)) if (!(variable in saved)) delete process.env[variable]
      Object.assign(process.env, saved)
      await Promise.all(servers.map((s) => s.close()))
    }
  })
})
