/**
 * From AWS's JSON to the SDK's output shapes, per operation: the few timestamp members become
 * `Date` (epoch seconds on the wire, rounded to the millisecond as the SDK does) and the blob
 * members `Uint8Array` (base64 on the wire). Every other member stays as AWS sent it.
 * A member of the wrong type makes the whole answer malformed; the error never says what the
 * member held.
 */

type Json = Record<string, unknown>

/** Thrown by a decoder; the transport turns it into a MalformedResponse. Carries no data. */
export class MalformedMember extends Error {
  override readonly name = 'MalformedMember'
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function toDate(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
  if (!Number.isFinite(seconds)) throw new MalformedMember()
  return new Date(Math.round(seconds * 1000))
}

export function toBytes(value: unknown): Uint8Array | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) throw new MalformedMember()
  const buffer = Buffer.from(value, 'base64')
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

function object(value: unknown): Json | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) throw new MalformedMember()
  return value as Json
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw new MalformedMember()
  return value
}

/** Replaces `members` of `target` in place with `convert(member)`; absent members stay absent. */
function convert(target: Json | undefined, members: readonly string[], to: (value: unknown) => unknown): void {
  if (!target) return
  for (const member of members) if (member in target) target[member] = to(target[member])
}

const dates = (target: Json | undefined, members: readonly string[]): void => convert(target, members, toDate)
const blobs = (target: Json | undefined, members: readonly string[]): void => convert(target, members, toBytes)
const eachObject = (value: unknown, decode: (item: Json | undefined) => void): void => list(value).forEach((item) => decode(object(item)))
const eachValue = (value: unknown, decode: (item: unknown) => void): void => Object.values(object(value) ?? {}).forEach(decode)

// ---- Secrets Manager --------------------------------------------------------------------------

function secretValue(entry: Json | undefined): void {
  blobs(entry, ['SecretBinary'])
  dates(entry, ['CreatedDate'])
}

function describeSecret(out: Json): void {
  dates(out, ['LastRotatedDate', 'LastChangedDate', 'LastAccessedDate', 'DeletedDate', 'NextRotationDate', 'CreatedDate'])
  eachObject(out.ReplicationStatus, (status) => dates(status, ['LastAccessedDate']))
}

// ---- SSM --------------------------------------------------------------------------------------

const parameter = (p: Json | undefined): void => dates(p, ['LastModifiedDate'])

// ---- DynamoDB ---------------------------------------------------------------------------------

/** One AttributeValue: `B` and `BS` are blobs, `M` and `L` hold more AttributeValues. */
function attributeValue(value: unknown): void {
  const attribute = object(value)
  if (!attribute) return
  blobs(attribute, ['B'])
  if ('BS' in attribute) attribute.BS = list(attribute.BS).map(toBytes)
  if ('M' in attribute) item(attribute.M)
  if ('L' in attribute) list(attribute.L).forEach(attributeValue)
}

/** An item or a key: attribute name -> AttributeValue. */
const item = (value: unknown): void => eachValue(value, attributeValue)

function batchGetItem(out: Json): void {
  eachValue(out.Responses, (items) => list(items).forEach(item))
  eachValue(out.UnprocessedKeys, (keys) => list(object(keys)?.Keys).forEach(item))
}

// ---- The table --------------------------------------------------------------------------------

/** Decoders of the JSON operations; each mutates the parsed answer in place. */
export const JSON_DECODERS: Readonly<Record<string, (out: Json) => void>> = {
  GetSecretValue: secretValue,
  BatchGetSecretValue: (out) => eachObject(out.SecretValues, secretValue),
  DescribeSecret: describeSecret,
  GetParameter: (out) => parameter(object(out.Parameter)),
  GetParameters: (out) => eachObject(out.Parameters, parameter),
  GetParametersByPath: (out) => eachObject(out.Parameters, parameter),
  GetItem: (out) => item(out.Item),
  BatchGetItem: batchGetItem,
  Query: (out) => {
    list(out.Items).forEach(item)
    item(out.LastEvaluatedKey)
  },
}
