/** The local server's seed, and what the children expect to read back. Shared by parent and children. */
export const SM_NAME = (i) => `bench/sm-${i}`
export const SSM_NAME = (i) => `/bench/p-${i}`
export const MEM_NAME = (i) => `bench/mem-${i}`
export const SM_VALUE = (i) => `sm-value-${i}-`.padEnd(64, 'x')
export const SSM_VALUE = (i) => `p-value-${i}-`.padEnd(64, 'y')
/** 4,096 ASCII characters, distinct per secret. */
export const MEM_VALUE = (i) => `mem-${i}-`.padEnd(4096, String.fromCharCode(97 + (i % 26)))
export const MEM_SECRET_BYTES = 4096

export function seed({ secrets = 50, parameters = 50, memory = 1000 } = {}) {
  const out = { secrets: {}, parameters: {} }
  for (let i = 0; i < secrets; i++) out.secrets[SM_NAME(i)] = SM_VALUE(i)
  for (let i = 0; i < memory; i++) out.secrets[MEM_NAME(i)] = MEM_VALUE(i)
  for (let i = 0; i < parameters; i++) out.parameters[SSM_NAME(i)] = SSM_VALUE(i)
  return out
}
