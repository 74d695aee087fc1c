/** Splits a list into chunks of at most `size` (batch limits: 20 secrets, 10 parameters, 100 items). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
