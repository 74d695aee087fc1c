/**
 * Secret values on the Secrets Manager wire: the output shape of a version (SecretBinary as
 * base64), the SecretString-or-SecretBinary input of PutSecretValue and CreateSecret, and the
 * comparison a retried request token needs.
 */
import { ModelError, type SecretValueView } from '../model.js'
import { base64, epochSeconds, optionalString, type Input, type Output } from './wire.js'

/** GetSecretValue's output, also each value of a batch. */
export function secretValueJson(view: SecretValueView): Output {
  return {
    ARN: view.arn,
    Name: view.name,
    VersionId: view.versionId,
    SecretString: view.secretString,
    SecretBinary: base64(view.secretBinary),
    VersionStages: [...view.versionStages],
    CreatedDate: epochSeconds(view.createdDate),
  }
}

/** SecretString or SecretBinary (base64 on the wire), exactly one. */
export function secretValueInput(input: Input): string | Uint8Array {
  const text = optionalString(input, 'SecretString')
  const binary = optionalString(input, 'SecretBinary')
  if (text !== undefined && binary !== undefined) {
    throw new ModelError('InvalidParameterException', 'You can specify SecretString or SecretBinary, but not both.')
  }
  if (text !== undefined) return text
  if (binary !== undefined) return new Uint8Array(Buffer.from(binary, 'base64'))
  throw new ModelError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.')
}

/** A retried ClientRequestToken is a no-op only with the value it first had. */
export function sameValue(a: string | Uint8Array | undefined, b: string | Uint8Array): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b
  return a !== undefined && Buffer.from(a).equals(Buffer.from(b))
}
