/**
 * SSM Parameter Store (AWS JSON 1.1, `AmazonSSM.<Operation>`): reads by name, selector and path,
 * and the writes tests arrange state with, over the model's parameters.
 */
import { canonicalParameterName, splitSelector } from '../../ssm-names.js'
import { ModelError, type ParameterType, type ParameterView } from '../model.js'
import type { Handler, ServiceModule } from './service.js'
import {
  awsJson,
  epochSeconds,
  listLength,
  namesIn,
  optionalBoolean,
  optionalInteger,
  optionalString,
  optionalStringList,
  requestedPage,
  requiredString,
  validation,
  type Output,
} from './wire.js'

export const SSM_OPERATIONS = ['GetParameter', 'GetParameters', 'GetParametersByPath', 'PutParameter', 'LabelParameterVersion'] as const

export type SsmOperation = (typeof SSM_OPERATIONS)[number]

function parameterJson(view: ParameterView): Output {
  return {
    Name: view.name,
    Type: view.type,
    Value: view.value,
    Version: view.version,
    Selector: view.selector,
    LastModifiedDate: epochSeconds(view.lastModifiedDate),
    ARN: view.arn,
    DataType: 'text',
  }
}

const getParameter: Handler = (input, { model }) => ({
  Parameter: parameterJson(model.getParameter(requiredString(input, 'Name'), { decrypt: optionalBoolean(input, 'WithDecryption') })),
})

/** Errors that GetParameters reports in InvalidParameters instead of failing the call. */
const INVALID_PARAMETER_CODES = new Set(['ParameterNotFound', 'ParameterVersionNotFound', 'ParameterVersionLabelNotFound'])

const getParameters: Handler = (input, { model }) => {
  const names = optionalStringList(input, 'Names')
  if (names === undefined) throw validation('Names', 'Member must not be null')
  listLength('Names', names, 1, 10)
  const decrypt = optionalBoolean(input, 'WithDecryption')
  const parameters: Output[] = []
  const invalid: string[] = []
  for (const name of new Set(names)) {
    try {
      parameters.push(parameterJson(model.getParameter(name, { decrypt })))
    } catch (error) {
      if (!(error instanceof ModelError) || !INVALID_PARAMETER_CODES.has(error.code)) throw error
      invalid.push(name)
    }
  }
  return { Parameters: parameters, InvalidParameters: invalid }
}

const getParametersByPath: Handler = (input, { model }) => {
  const path = requiredString(input, 'Path')
  if (!path.startsWith('/')) {
    throw new ModelError('ValidationException', 'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".')
  }
  const views = model.getParametersByPath(path, { recursive: optionalBoolean(input, 'Recursive'), decrypt: optionalBoolean(input, 'WithDecryption') })
  const result = requestedPage(views, input, 10, 'InvalidNextToken')
  return { Parameters: result.items.map(parameterJson), NextToken: result.nextToken }
}

const PARAMETER_TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString']

const putParameter: Handler = (input, { model }) => {
  const name = requiredString(input, 'Name')
  const value = requiredString(input, 'Value')
  const type = optionalString(input, 'Type')
  if (type !== undefined && !PARAMETER_TYPES.includes(type as ParameterType)) {
    throw validation('Type', `Member must satisfy enum value set: [${PARAMETER_TYPES.join(', ')}]`, `'${type}'`)
  }
  if (type === undefined && !model.hasParameter(name)) {
    throw new ModelError('ValidationException', 'A parameter type is required when you create a parameter.')
  }
  const version = model.putParameter(name, value, { type: type as ParameterType | undefined, overwrite: optionalBoolean(input, 'Overwrite') })
  return { Version: version, Tier: 'Standard' }
}

/** AWS label rules: letters, digits, `.`, `-`, `_`; not starting with a digit, `aws` or `ssm`. */
function validLabel(label: string): boolean {
  return /^[A-Za-z0-9._-]{1,100}$/.test(label) && !/^([0-9]|aws|ssm)/i.test(label)
}

const labelParameterVersion: Handler = (input, { model }) => {
  const name = requiredString(input, 'Name')
  const labels = optionalStringList(input, 'Labels')
  if (labels === undefined) throw validation('Labels', 'Member must not be null')
  listLength('Labels', labels, 1, 10)
  const record = model.parameterRecord(name)
  const version = optionalInteger(input, 'ParameterVersion') ?? record.versions.at(-1)!.version
  if (!record.versions.some((v) => v.version === version)) {
    throw new ModelError('ParameterVersionNotFound', `Systems Manager could not find version ${version} of ${name}.`)
  }
  const valid = labels.filter(validLabel)
  if (valid.length > 0) model.labelParameterVersion(name, valid, version)
  return { InvalidLabels: labels.filter((label) => !validLabel(label)), ParameterVersion: version }
}

const HANDLERS: Readonly<Record<SsmOperation, Handler>> = {
  GetParameter: getParameter,
  GetParameters: getParameters,
  GetParametersByPath: getParametersByPath,
  PutParameter: putParameter,
  LabelParameterVersion: labelParameterVersion,
}

const NAME_FIELD: Readonly<Record<SsmOperation, string>> = {
  GetParameter: 'Name',
  GetParameters: 'Names',
  GetParametersByPath: 'Path',
  PutParameter: 'Name',
  LabelParameterVersion: 'Name',
}

export const ssm: ServiceModule<SsmOperation> = {
  name: 'ssm',
  protocol: awsJson('1.1', 'AmazonSSM'),
  operations: SSM_OPERATIONS,
  handlers: HANDLERS,
  messageField: 'message',
  internalErrorCode: 'InternalServerError',
  perEntryOperations: [],
  requestNames: (operation, input) => namesIn(input, NAME_FIELD[operation]),
  canonicalId(model, id) {
    const { name } = splitSelector(id)
    try {
      return canonicalParameterName(model.parameterRecord(name).name)
    } catch {
      return canonicalParameterName(name)
    }
  },
}
