/**
 * The checks behind every ConfigError of `secrets()`: each names the option path and what is
 * allowed. Options never hold secret values, but a wrong value is shown short anyway.
 */
import { ConfigError } from '../errors.js'
import { checkInteger as checkInRange, type Env, readBoolean, readInteger, type IntegerRule } from '../env-vars.js'

/** Describes a wrong option value. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value)
  return typeof value
}

export function checkSeconds(option: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new ConfigError(option, `must be a number of seconds >= 0 (0 = every invocation, Infinity = never expire), got ${show(value)}`)
  }
  return value
}

export function checkBoolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(option, `must be true or false, got ${show(value)}`)
  return value
}

/** An integer within the rule's range, named in the error with the default. */
export const checkInteger = checkInRange

export function checkOptionalString(option: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw new ConfigError(option, `must be a non-empty string, got ${show(value)}`)
}

/** A variable's value when it is set (held to the extension's range), else undefined. */
export function integerVariable(env: Env, variable: string | undefined, rule: IntegerRule | undefined): number | undefined {
  if (variable === undefined || rule?.default === undefined || env[variable] === undefined || env[variable]!.trim() === '') return undefined
  return readInteger(env, variable, { ...rule, default: rule.default })
}

export function booleanVariable(env: Env, variable: string, fallback: boolean): boolean {
  return readBoolean(env, variable, fallback)
}
