/**
 * Secrets Manager's BatchGetSecretValue: up to 20 secrets by SecretIdList, or every secret whose
 * name a set of Filters matches, a page at a time; a secret that cannot be read is an entry in
 * `Errors`, not a failed call.
 */
import { ModelError } from '../model.js'
import { secretValueJson } from './secrets-manager-values.js'
import type { Handler, HandlerContext } from './service.js'
import { listLength, namesIn, optionalStringList, requestedPage, requiredString, validation, wrongType, type Input, type Output } from './wire.js'

const BATCH_FILTER_KEYS = new Set(['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'])

interface SecretFilter {
  readonly key: string
  readonly values: readonly string[]
}

function secretFilters(input: Input): SecretFilter[] | undefined {
  const value = input.Filters
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value)) throw wrongType('Filters')
  return value.map((item: unknown) => {
    const filter = (item ?? {}) as Input
    const key = requiredString(filter, 'Key')
    if (!BATCH_FILTER_KEYS.has(key)) throw validation('Key', `Member must satisfy enum value set: [${[...BATCH_FILTER_KEYS].join(', ')}]`, `'${key}'`)
    return { key, values: optionalStringList(filter, 'Values') ?? [] }
  })
}

/** `name` (and `all`) filters match a name prefix, case-insensitively; `!` negates. */
function matchesFilter(name: string, filter: SecretFilter): boolean {
  if (filter.key !== 'name' && filter.key !== 'all') return false // the model has no tags or descriptions
  const lower = name.toLowerCase()
  return filter.values.some((value) =>
    value.startsWith('!') ? !lower.startsWith(value.slice(1).toLowerCase()) : lower.startsWith(value.toLowerCase()),
  )
}

/** One secret of a batch: its value, or its entry in `Errors`. */
function batchEntry(id: string, ctx: HandlerContext): { value?: Output; error?: Output } {
  try {
    const injected = ctx.entryFault(id)
    if (injected) throw injected
    return { value: secretValueJson(ctx.model.getSecretValue(id)) }
  } catch (error) {
    if (!(error instanceof ModelError)) throw error
    return { error: { SecretId: id, ErrorCode: error.code, Message: error.message } }
  }
}

export const batchGetSecretValue: Handler = (input, ctx) => {
  const ids = optionalStringList(input, 'SecretIdList')
  const filters = secretFilters(input)
  if ((ids === undefined) === (filters === undefined)) {
    throw new ModelError('InvalidParameterException', 'You must specify either SecretIdList or Filters, but not both.')
  }
  let selected: string[]
  let nextToken: string | undefined
  if (ids !== undefined) {
    listLength('SecretIdList', ids, 1, 20)
    if (input.MaxResults !== undefined || input.NextToken !== undefined) {
      throw new ModelError('InvalidParameterException', 'MaxResults and NextToken can be used only with Filters.')
    }
    selected = ids
  } else {
    const names = ctx.model.secretNames().filter((name) => filters!.every((filter) => matchesFilter(name, filter))).sort()
    const result = requestedPage(names, input, 20, 'InvalidNextTokenException')
    selected = result.items
    nextToken = result.nextToken
  }
  const entries = selected.map((id) => batchEntry(id, ctx))
  return {
    SecretValues: entries.flatMap((entry) => (entry.value ? [entry.value] : [])),
    Errors: entries.flatMap((entry) => (entry.error ? [entry.error] : [])),
    NextToken: nextToken,
  }
}

/** The secret ids a batch names: its list, or the values of its filters. */
export function batchNames(input: Input): string[] {
  if (input.SecretIdList !== undefined) return namesIn(input, 'SecretIdList')
  if (!Array.isArray(input.Filters)) return []
  return input.Filters.flatMap((filter: unknown) => {
    const values = (filter as Input | null)?.Values
    return Array.isArray(values) ? values.filter((item): item is string => typeof item === 'string') : []
  })
}
