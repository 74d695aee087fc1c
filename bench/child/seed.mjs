/** The local server's seed, and what the children expect to read back. Shared by parent and children. */
export const SM_NAME = (i) => `bench/sm-${i}`
export const SSM_NAME = (i) => `/bench/p-${i}`
export const MEM_NAME = (i) => `bench/mem-${i}`
export const SM_VALUE = (i) => `sm-value-${i}-`.padEnd(64, 'x')
export const SSM_VALUE = (i) => `p-value-${i}-`.padEnd(64, 'y')
/** 4,096 ASCII characters, distinct per secret. */
export const MEM_VALUE = (i) => `mem-${i}-`.padEnd(4096, String.fromCharCode(97 + (i % 26)))
export const MEM_SECRET_BYTES = 4096

/** AppConfig: application / environment / configuration profile i; its content is JSON `{ "v": APPCONFIG_VALUE(i), ... }`. */
export const APPCONFIG_APP = 'bench-app'
export const APPCONFIG_ENV = 'prod'
export const APPCONFIG_PROFILE = (i) => `flags-${i}`
export const APPCONFIG_VALUE = (i) => `cfg-value-${i}-`.padEnd(64, 'z')
/** DynamoDB: table `bench-table` (partition key `id`), item i's `value` attribute (Powertools' DynamoDBProvider layout). */
export const DDB_TABLE = 'bench-table'
export const DDB_KEY = (i) => `item-${i}`
export const DDB_VALUE = (i) => `ddb-value-${i}-`.padEnd(64, 'w')

export function seed({ secrets = 50, parameters = 50, memory = 1000, configurations = 10, items = 50 } = {}) {
  const out = { secrets: {}, parameters: {}, appConfig: {}, dynamodb: {} }
  for (let i = 0; i < secrets; i++) out.secrets[SM_NAME(i)] = SM_VALUE(i)
  for (let i = 0; i < memory; i++) out.secrets[MEM_NAME(i)] = MEM_VALUE(i)
  for (let i = 0; i < parameters; i++) out.parameters[SSM_NAME(i)] = SSM_VALUE(i)
  for (let i = 0; i < configurations; i++) {
    // About 1 KB of feature flags around the value the handler reads.
    const flags = Object.fromEntries(Array.from({ length: 40 }, (_, f) => [`flag${f}`, f % 3 === 0]))
    out.appConfig[`${APPCONFIG_APP}/${APPCONFIG_ENV}/${APPCONFIG_PROFILE(i)}`] = JSON.stringify({ v: APPCONFIG_VALUE(i), flags })
  }
  out.dynamodb[DDB_TABLE] = { partitionKey: 'id', items: Array.from({ length: items }, (_, i) => ({ id: DDB_KEY(i), value: DDB_VALUE(i) })) }
  return out
}
