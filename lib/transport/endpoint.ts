/**
 * Where the lean transport sends a service's requests: the endpoint the AWS SDK would resolve
 * for the same settings, or a reason why it cannot tell (then the SDK serves).
 *
 * The truth is the SDK clients' endpoint rules (node_modules/@aws-sdk/client-* /dist-es/endpoint/
 * bdd.js) over the partitions of @aws-sdk/core; __tests__/transport/endpoint.test.ts checks this
 * file against the SDK's own endpoint provider for every region of the partitions below. Only the
 * three partitions whose rules were checked are known; any other region (aws-iso*, aws-eusc,
 * pseudo-regions such as `fips-us-east-1` or `aws-global`) is left to the SDK.
 */
import type { Env } from '../env-vars.js'
import { SERVICES } from './services.js'
import type { AwsService } from './transport.js'

type PartitionName = 'aws' | 'aws-cn' | 'aws-us-gov'

interface Partition {
  readonly name: PartitionName
  readonly regionRegex: RegExp
  readonly dnsSuffix: string
  readonly dualStackDnsSuffix: string
}

// As in @aws-sdk/core's partitions data (regionRegex, dnsSuffix, dualStackDnsSuffix).
const PARTITIONS: readonly Partition[] = [
  { name: 'aws', regionRegex: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' },
  { name: 'aws-cn', regionRegex: /^cn-\w+-\d+$/, dnsSuffix: 'amazonaws.com.cn', dualStackDnsSuffix: 'api.amazonwebservices.com.cn' },
  { name: 'aws-us-gov', regionRegex: /^us-gov-\w+-\d+$/, dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' },
]

/** Where a service's rules differ from the common pattern `{prefix}[-fips].{region}.{suffix}`. */
interface Quirks {
  /** Dual-stack hosts per partition (Secrets Manager answers IPv6 on its usual hosts). */
  readonly dualStackSuffix?: Partial<Record<PartitionName, string>>
  /** FIPS + dual-stack hosts per partition. */
  readonly fipsDualStackSuffix?: Partial<Record<PartitionName, string>>
  /** Partitions whose usual hosts are FIPS endpoints already: FIPS alone keeps them. */
  readonly fipsIsStandardIn?: readonly PartitionName[]
}

const QUIRKS: Readonly<Record<AwsService, Quirks>> = {
  secretsmanager: {
    dualStackSuffix: { aws: 'amazonaws.com', 'aws-us-gov': 'amazonaws.com', 'aws-cn': 'amazonaws.com.cn' },
    fipsDualStackSuffix: { aws: 'amazonaws.com', 'aws-us-gov': 'amazonaws.com' },
  },
  ssm: { fipsIsStandardIn: ['aws-us-gov'] },
  appconfigdata: { fipsIsStandardIn: ['aws-us-gov'] },
  dynamodb: { fipsIsStandardIn: ['aws-us-gov'] },
}

export interface EndpointFlags {
  readonly fips: boolean
  readonly dualStack: boolean
}

/** `regional`: AWS's own endpoint for the region (not one the user configured). */
export type EndpointChoice = { readonly ok: true; readonly url: string; readonly regional: boolean } | { readonly ok: false; readonly reason: string }

function partitionOf(region: string): Partition | undefined {
  // us-gov-* must not fall into aws: aws's regex takes three parts only, so order does not matter.
  return PARTITIONS.find((p) => p.regionRegex.test(region))
}

/** The SDK's endpoint for a region (no custom endpoint) as a URL href, or undefined for an unknown partition. */
export function regionalEndpoint(service: AwsService, region: string, flags: EndpointFlags): string | undefined {
  const partition = partitionOf(region)
  if (!partition) return undefined
  const prefix = SERVICES[service].endpointPrefix
  const quirks = QUIRKS[service]
  const host = (fips: boolean, suffix: string): string => `https://${prefix}${fips ? '-fips' : ''}.${region}.${suffix}/`
  if (flags.fips && flags.dualStack) return host(true, quirks.fipsDualStackSuffix?.[partition.name] ?? partition.dualStackDnsSuffix)
  if (flags.fips) return host(!(quirks.fipsIsStandardIn?.includes(partition.name) ?? false), partition.dnsSuffix)
  if (flags.dualStack) return host(false, quirks.dualStackSuffix?.[partition.name] ?? partition.dualStackDnsSuffix)
  return host(false, partition.dnsSuffix)
}

/** A region name usable as a host label (and as the signing region of a custom endpoint). */
const REGION_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/** A custom endpoint: a URL the lean transport can send to exactly as the SDK would. */
function customEndpoint(value: unknown, from: string): EndpointChoice {
  let url: URL
  if (value instanceof URL) url = value
  else if (typeof value === 'string') {
    try {
      url = new URL(value)
    } catch {
      return { ok: false, reason: `${from} is not a valid URL` }
    }
  } else return { ok: false, reason: `${from} is not a string or URL` }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: `${from} is not an http(s) URL` }
  if (url.username || url.password || url.search || url.hash) return { ok: false, reason: `${from} has credentials, a query or a fragment` }
  // The SDK joins such a path with a REST operation's path keeping both slashes (AppConfigData's
  // /prefix//configuration...): left to it rather than spelt out here, for an unusual setting.
  if (url.pathname !== '/' && url.pathname.endsWith('/')) return { ok: false, reason: `${from} has a path ending in '/'` }
  return { ok: true, url: url.href, regional: false }
}

export interface EndpointSettings extends EndpointFlags {
  readonly region: string
  /** clientOptions.endpoint as the user gave it (undefined: none). */
  readonly endpoint?: unknown
  /** AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: the environment's endpoint URLs are not used. */
  readonly ignoreConfiguredEndpointUrls: boolean
}

/**
 * The SDK's order: clientOptions.endpoint, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL
 * (both skipped when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true), then the regional endpoint.
 * A custom endpoint with FIPS or dual-stack is an error in the SDK's rules: left to the SDK.
 */
export function resolveEndpoint(service: AwsService, settings: EndpointSettings, env: Env): EndpointChoice {
  const envName = `AWS_ENDPOINT_URL_${SERVICES[service].envEndpointId}`
  let configured: { value: unknown; from: string } | undefined
  if (settings.endpoint !== undefined) configured = { value: settings.endpoint, from: 'clientOptions.endpoint' }
  else if (!settings.ignoreConfiguredEndpointUrls) {
    // Empty variables count as unset, as in the SDK.
    if (env[envName]) configured = { value: env[envName], from: envName }
    else if (env.AWS_ENDPOINT_URL) configured = { value: env.AWS_ENDPOINT_URL, from: 'AWS_ENDPOINT_URL' }
  }
  // The SDK refuses a region that is not a host label at once (a configuration error); sent to a
  // host of that name it would be a network failure, retried until the deadline.
  if (!REGION_LABEL.test(settings.region)) return { ok: false, reason: `region '${settings.region}' is not a valid region name` }
  if (configured) {
    if (settings.fips || settings.dualStack) return { ok: false, reason: `${configured.from} together with FIPS or dual-stack (the SDK's rules refuse it)` }
    return customEndpoint(configured.value, configured.from)
  }
  const url = regionalEndpoint(service, settings.region, settings)
  return url === undefined ? { ok: false, reason: `no known partition for region '${settings.region}'` } : { ok: true, url, regional: true }
}
