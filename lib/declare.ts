/**
 * The declaration helpers: `secret()`, `parameter()`, `parameters()`. They only record what
 * was asked for (validation happens in `secrets()`, where the option path is known) and carry
 * the value type so the handler's context is typed from the declaration.
 */
import type { Transform } from './transform.js'

/** Options every key accepts. */
export interface CommonKeyOptions {
  /** Seconds a value stays fresh: 0 = fetch on every invocation, Infinity = never expire. */
  readonly ttl?: number
  /** Seconds a stale value may still serve when a refresh fails for a transient reason (0 = never). */
  readonly maxStale?: number
}

export interface SecretOptions extends CommonKeyOptions {
  /** Staging label: AWSCURRENT (default), AWSPREVIOUS, AWSPENDING or a custom label. */
  readonly versionStage?: string
  /** One exact version (excludes versionStage). */
  readonly versionId?: string
  readonly transform?: Transform
  /** One top-level field of a JSON secret (implies transform 'json'). */
  readonly field?: string
  /** Learn the rotation schedule and revalidate with DescribeSecret (see README, Rotation). */
  readonly rotation?: boolean
}

export interface ParameterOptions extends CommonKeyOptions {
  /** One parameter version (`name:3`). */
  readonly version?: number
  /** A parameter label (`name:label`). */
  readonly label?: string
  /** Decrypt SecureString values (default true). */
  readonly decrypt?: boolean
  readonly transform?: Transform
  readonly field?: string
}

export interface ParametersOptions extends CommonKeyOptions {
  /** Include parameters below sub-paths (names keep their sub-path, e.g. `db/host`). */
  readonly recursive?: boolean
  readonly decrypt?: boolean
  /** Applied to every value; `auto` looks at each parameter's own name. */
  readonly transform?: Transform
}

declare const valueType: unique symbol

/** What a key of the `context`/`env` map declares. `T` is the type the handler sees. */
export interface Declaration<T = unknown> {
  readonly kind: 'secret' | 'parameter' | 'parameters'
  readonly name: string
  readonly options: SecretOptions | ParameterOptions | ParametersOptions
  /** Type-level only: never set at run time. */
  readonly [valueType]?: T
}

/** The value type a transform produces when the user gave none. */
type TransformedValue<O, Untransformed> = O extends { readonly field: string }
  ? unknown
  : O extends { readonly transform: 'json' | 'auto' }
    ? unknown
    : O extends { readonly transform: 'base64' }
      ? Uint8Array
      : O extends { readonly transform: 'binary' }
        ? string
        : Untransformed

/**
 * `[T] extends [never]` means "no type argument given": then the options decide the type.
 * `T` is `NoInfer` in the helpers' return types: inside `secrets({ context: { db: secret('x') } })`
 * the map's contextual type (`Declaration<unknown>`) would otherwise be inferred as `T`, and
 * every inline declaration would inject `unknown`.
 */
type Chosen<T, Inferred> = [T] extends [never] ? Inferred : T

/**
 * `O` is inferred (`const`) so that the transform's literal type reaches `TransformedValue`. But
 * an inferred `O` only has to *extend* the options type, and an object with one known property
 * (`{ ttl: 60, transfrom: 'json' }`) does: the misspelled key would be accepted. So when `O` has
 * a key the options type lacks, the parameter's type becomes the plain options type, and the
 * object literal gets TypeScript's usual excess property error, as a typo alone does
 * ("'transfrom' does not exist in type 'SecretOptions'. Did you mean to write 'transform'?").
 * `O` is still inferred through the conditional's `O` branch. As everywhere in TypeScript, an
 * object that is not a literal written in the call (a variable) is not checked for extra keys.
 */
type OnlyKnown<O, Known> = [Exclude<keyof O, keyof Known>] extends [never] ? O : Known

/**
 * A Secrets Manager secret. Without a transform a SecretString arrives as a string and a
 * SecretBinary as a Uint8Array.
 */
export function secret<T = never, const O extends SecretOptions = SecretOptions>(
  name: string,
  options?: OnlyKnown<O, SecretOptions>,
): Declaration<Chosen<NoInfer<T>, TransformedValue<O, string | Uint8Array>>> {
  return { kind: 'secret', name, options: options ?? {} }
}

/** An SSM Parameter Store parameter (SecureString values are decrypted by default). */
export function parameter<T = never, const O extends ParameterOptions = ParameterOptions>(
  name: string,
  options?: OnlyKnown<O, ParameterOptions>,
): Declaration<Chosen<NoInfer<T>, TransformedValue<O, string>>> {
  return { kind: 'parameter', name, options: options ?? {} }
}

/** Every parameter below an SSM path, as one object keyed by the name relative to the path. */
export function parameters<T = never, const O extends ParametersOptions = ParametersOptions>(
  path: string,
  options?: OnlyKnown<O, ParametersOptions>,
): Declaration<Chosen<NoInfer<T>, Record<string, TransformedValue<O, string>>>> {
  return { kind: 'parameters', name: path, options: options ?? {} }
}

/** A map entry: a declaration, or a plain string meaning `secret(string)`. */
export type KeyDeclaration = Declaration<unknown> | string

/** The type a map entry injects. */
export type ValueOf<D> = D extends string ? string | Uint8Array : D extends Declaration<infer T> ? T : never

/** The context keys a `context` map adds, typed from the declarations. */
export type InjectedContext<C> = { -readonly [K in keyof C]: ValueOf<C[K]> }
