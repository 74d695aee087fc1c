/**
 * SSM Parameter Store's state: parameters, their versions, types and labels. `/name` and `name`
 * are one parameter, as SSM treats them; a record keeps the name it was created with.
 */
import { canonicalParameterName, relativeName, splitSelector } from '../ssm-names.js'
import { arn } from './aws-account.js'
import { ModelError } from './model-error.js'

export interface ParameterVersion {
  readonly version: number
  readonly value: string
  readonly type: ParameterType
  readonly lastModifiedDate: Date
  labels: string[]
}

export type ParameterType = 'String' | 'StringList' | 'SecureString'

export interface ParameterRecord {
  readonly name: string
  readonly arn: string
  versions: ParameterVersion[]
}

/** A parameter seed: a plain string is a String parameter. */
export type ParameterSeed = string | { readonly value: string; readonly type?: ParameterType }

export interface ParameterView {
  readonly name: string
  readonly arn: string
  readonly type: ParameterType
  readonly value: string
  readonly version: number
  readonly lastModifiedDate: Date
  /** `:3` or `:label` when the request named a selector, as GetParameter answers. */
  readonly selector?: string
}

/** What SSM answers for a SecureString read without decryption: not the value. */
function fakeCiphertext(name: string, version: number): string {
  return Buffer.from(`encrypted:${name}:${version}`).toString('base64')
}

export class ParameterStoreModel {
  /** Keyed by canonical name (`/name` and `name` are one parameter); a record keeps the name it was created with. */
  private readonly parameters = new Map<string, ParameterRecord>()

  parameterNames(): string[] {
    return [...this.parameters.values()].map((record) => record.name)
  }

  hasParameter(name: string): boolean {
    return this.parameters.has(canonicalParameterName(name))
  }

  putParameter(name: string, value: string, options: { type?: ParameterType; overwrite?: boolean } = {}): number {
    const existing = this.parameters.get(canonicalParameterName(name))
    if (existing && options.overwrite === false) {
      throw new ModelError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.')
    }
    const record: ParameterRecord = existing ?? { name, arn: arn('ssm', `parameter${name.startsWith('/') ? '' : '/'}${name}`), versions: [] }
    const last = record.versions.at(-1)
    const version = (last?.version ?? 0) + 1
    record.versions.push({ version, value, type: options.type ?? last?.type ?? 'String', lastModifiedDate: new Date(), labels: [] })
    this.parameters.set(canonicalParameterName(record.name), record)
    return version
  }

  labelParameterVersion(name: string, labels: readonly string[], version?: number): void {
    const record = this.parameterRecord(name)
    const target = version === undefined ? record.versions.at(-1) : record.versions.find((v) => v.version === version)
    if (!target) throw new ModelError('ParameterVersionNotFound', `Systems Manager could not find version ${version} of ${name}.`)
    for (const v of record.versions) v.labels = v.labels.filter((l) => !labels.includes(l))
    target.labels.push(...labels)
  }

  deleteParameter(name: string): void {
    this.parameters.delete(canonicalParameterName(this.parameterRecord(name).name))
  }

  /**
   * GetParameter: `name`, `name:3` or `name:label`; an ARN works in place of the name, and `/name`
   * for `name` (and the reverse). The answer carries the name the parameter was created with.
   */
  getParameter(nameWithSelector: string, options: { decrypt?: boolean } = {}): ParameterView {
    const { name, selector } = splitSelector(nameWithSelector)
    const record = this.parameterRecord(name)
    let version: ParameterVersion | undefined
    if (selector === undefined) version = record.versions.at(-1)
    else if (/^\d+$/.test(selector)) {
      version = record.versions.find((v) => v.version === Number(selector))
      if (!version) throw new ModelError('ParameterVersionNotFound', `Systems Manager could not find version ${selector} of ${name}.`)
    } else {
      version = record.versions.find((v) => v.labels.includes(selector))
      if (!version) throw new ModelError('ParameterVersionLabelNotFound', `Systems Manager could not find label ${selector} of ${name}.`)
    }
    if (!version) throw new ModelError('ParameterNotFound', '')
    return this.parameterView(record, version, options.decrypt ?? false, selector === undefined ? undefined : `:${selector}`)
  }

  /** GetParametersByPath: every parameter below `path` (direct children unless recursive). */
  getParametersByPath(path: string, options: { recursive?: boolean; decrypt?: boolean } = {}): ParameterView[] {
    const views: ParameterView[] = []
    for (const record of this.parameters.values()) {
      const rest = relativeName(path, record.name)
      if (rest === undefined || (!options.recursive && rest.includes('/'))) continue
      views.push(this.parameterView(record, record.versions.at(-1)!, options.decrypt ?? false, undefined))
    }
    return views.sort((a, b) => a.name.localeCompare(b.name))
  }

  parameterRecord(nameOrArn: string): ParameterRecord {
    const direct = this.parameters.get(canonicalParameterName(nameOrArn))
    if (direct) return direct
    for (const record of this.parameters.values()) if (record.arn === nameOrArn) return record
    throw new ModelError('ParameterNotFound', '')
  }

  private parameterView(record: ParameterRecord, version: ParameterVersion, decrypt: boolean, selector: string | undefined): ParameterView {
    const hidden = version.type === 'SecureString' && !decrypt
    return {
      name: record.name,
      arn: record.arn,
      type: version.type,
      value: hidden ? fakeCiphertext(record.name, version.version) : version.value,
      version: version.version,
      lastModifiedDate: version.lastModifiedDate,
      selector,
    }
  }
}
