/**
 * The declaration helpers: `secret()`, `parameter()`, `parameters()`, `appConfig()`, `item()`,
 * `items()`. They only record what was asked for (validation happens in `secrets()` or `load()`,
 * where the option path is known) and carry the value type so the handler's context is typed
 * from the declaration.
 */
import type { Transform } from './transform.js'

/** Options every key accepts. */
export interface CommonKeyOptions {
  /** Seconds a value stays fresh: 0 = fetch on every invocation, Infinity = never expire. */
  readonly ttl?: number | undefined
  /** Seconds a stale value may still serve when a refresh fails for a transient reason (0 = never). */
  readonly maxStale?: number | undefined
  /**
   * When the value does not exist (no such secret, parameter, stage, item or configuration), the
   * key is `undefined` (or `default`) and the invocation goes on; any other failure still fails it.
   */
  readonly optional?: boolean | undefined
  /** With `optional`: the value to use when it does not exist, instead of `undefined`. */
  readonly default?: unknown
}

export interface SecretOptions extends CommonKeyOptions {
  /** Staging label: AWSCURRENT (default), AWSPREVIOUS, AWSPENDING or a custom label. */
  readonly versionStage?: string | undefined
  /** One exact version (excludes versionStage). */
  readonly versionId?: string | undefined
  readonly transform?: Transform | undefined
  /** One top-level field of a JSON secret (implies transform 'json'). */
  readonly field?: string | undefined
  /** Learn the rotation schedule and revalidate with DescribeSecret (see README, Rotation). */
  readonly rotation?: boolean | undefined
}

export interface ParameterOptions extends CommonKeyOptions {
  /** One parameter version (`name:3`). */
  readonly version?: number | undefined
  /** A parameter label (`name:label`). */
  readonly label?: string | undefined
  /** Decrypt SecureString values (default true). */
  readonly decrypt?: boolean | undefined
  readonly transform?: Transform | undefined
  readonly field?: string | undefined
}

export interface ParametersOptions extends CommonKeyOptions {
  /** Include parameters below sub-paths (names keep their sub-path, e.g. `db/host`). */
  readonly recursive?: boolean | undefined
  readonly decrypt?: boolean | undefined
  /** Applied to every value; `auto` looks at each parameter's own name. */
  readonly transform?: Transform | undefined
}

export interface AppConfigOptions extends CommonKeyOptions {
  /** `json` is the common case (feature flags are JSON). Without one, text or bytes by content type. */
  readonly transform?: Transform | undefined
  readonly field?: string | undefined
}

/** Where a DynamoDB value lives, as Powertools' DynamoDBProvider has it. */
export interface ItemAttributes {
  /** The partition key attribute (default `id`). */
  readonly keyAttribute?: string | undefined
  /** The attribute that holds the value (default `value`). */
  readonly valueAttribute?: string | undefined
  /** Strongly consistent reads (default false). */
  readonly consistentRead?: boolean | undefined
}

export interface ItemOptions extends CommonKeyOptions, ItemAttributes {
  /** The sort key value, for a table with a composite key. */
  readonly sortKey?: string | number | undefined
  /** The sort key attribute (default `sk`), with `sortKey`. */
  readonly sortKeyAttribute?: string | undefined
  readonly transform?: Transform | undefined
  readonly field?: string | undefined
}

export interface ItemsOptions extends CommonKeyOptions, ItemAttributes {
  /** The sort key attribute whose values name the items (default `sk`). */
  readonly sortKeyAttribute?: string | undefined
  /** Applied to every value. */
  readonly transform?: Transform | undefined
}

declare const valueType: unique symbol

export type DeclarationKind = 'secret' | 'parameter' | 'parameters' | 'appConfig' | 'item' | 'items'

/** What a key of the `context`/`env` map declares. `T` is the type the handler sees. */
export interface Declaration<T = unknown> {
  readonly kind: DeclarationKind
  /** The secret, parameter or path; for AppConfig `application/environment/profile`; for DynamoDB the table. */
  readonly name: string
  /** AppConfig: application, environment, configuration profile (names or ids). */
  readonly appConfig?: readonly [application: string, environment: string, profile: string]
  /** DynamoDB: the partition key value. */
  readonly key?: string | number
  readonly options: SecretOptions | ParameterOptions | ParametersOptions | AppConfigOptions | ItemOptions | ItemsOptions
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
 * `T` is inert (`Inert`, below: not inferred from) in the helpers' return types: inside `secrets({ context: { db: secret('x') } })`
 * the map's contextual type (`Declaration<unknown>`) would otherwise be inferred as `T`, and
 * every inline declaration would inject `unknown`.
 */
type Chosen<T, Inferred> = [T] extends [never] ? Inferred : T

/**
 * TypeScript 5.4's `NoInfer`, spelt so that TypeScript 5.3 reads it too (the README supports 5.3
 * and later): a type indexed through a conditional is not a place TypeScript infers `T` from.
 * With the real `NoInfer`, 5.3 found no such type, and with `skipLibCheck` every key became `any`.
 */
type Inert<T> = [T][T extends unknown ? 0 : never]

/**
 * The `optional` flag's type, `undefined` when absent. Read by key, not by
 * `O extends { optional?: false }`: options sharing no key with that all-optional type (`{ ttl: 60 }`)
 * do not extend it (TypeScript's weak type check).
 */
type FlagOf<O> = 'optional' extends keyof O ? O['optional' & keyof O] : undefined

/**
 * An optional key's type: `undefined` when the value does not exist, unless a default is given.
 * Only an absent `optional` or the literal `false` rules `undefined` out: a `boolean` flag (known
 * at run time, or a variable of the options type) may be true, and then the value may be missing.
 */
type Optional<O, V> = true extends FlagOf<O> ? (O extends { readonly default: infer D } ? V | D : V | undefined) : V

/** The type a declaration injects. */
type Typed<T, O, Untransformed> = Optional<O, Chosen<Inert<T>, TransformedValue<O, Untransformed>>>

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
export type OnlyKnown<O, Known> = [Exclude<keyof O, keyof Known>] extends [never] ? O : Known

/**
 * With a type argument (`secret<Db>('x', { optional: true })`) TypeScript infers no other type
 * parameter: `O` is the generic signature's default, which says nothing about the call's
 * `optional` or `default`. So each declaration has more overloads for a given type, and the order
 * decides: a `default` of type T gives `T` (DefaultOf, first); options that leave `optional` out or
 * `false` give `T` (the generic signature, whose default `O` is NotOptional and so refuses any
 * other `optional`); a `default` of another type gives `unknown` (OtherDefault: the type argument
 * does not describe the key, and the default's type cannot be inferred beside it; name it in the
 * type argument instead, `secret<Db | null>`); anything else (`optional` true, a `boolean` known
 * at run time, a variable of the options type) gives `T | undefined` (OptionalOf, last). These
 * serve only calls that give T: without one, T is `unknown` and the options would need a property
 * nobody writes, so the generic signature serves, as before.
 */
type TypeGiven<T> = [unknown] extends [T] ? { readonly 'only with a type argument': never } : unknown
export type DefaultOf<T, Options> = Options & { readonly optional: boolean; readonly default: Inert<T> } & TypeGiven<T>
export type OtherDefault<T, Options> = Options & { readonly optional: boolean; readonly default: unknown } & TypeGiven<T>
export type OptionalOf<T, Options> = Options & TypeGiven<T>
/** The generic signatures' default `O`: no options, or a type argument with a key that is not optional. */
export type NotOptional<Options> = Options & { readonly optional?: false | undefined }

/**
 * A Secrets Manager secret. Without a transform a SecretString arrives as a string and a
 * SecretBinary as a Uint8Array.
 */
export function secret<T>(name: string, options: DefaultOf<T, SecretOptions>): Declaration<T>
export function secret<T = never, const O extends SecretOptions = NotOptional<SecretOptions>>(name: string, options?: OnlyKnown<O, SecretOptions>): Declaration<Typed<T, O, string | Uint8Array>>
export function secret<T>(name: string, options: OtherDefault<T, SecretOptions>): Declaration<unknown>
export function secret<T>(name: string, options: OptionalOf<T, SecretOptions>): Declaration<T | undefined>
export function secret(name: string, options?: SecretOptions): Declaration<unknown> {
  return { kind: 'secret', name, options: options ?? {} }
}

/** An SSM Parameter Store parameter (SecureString values are decrypted by default). */
export function parameter<T>(name: string, options: DefaultOf<T, ParameterOptions>): Declaration<T>
export function parameter<T = never, const O extends ParameterOptions = NotOptional<ParameterOptions>>(name: string, options?: OnlyKnown<O, ParameterOptions>): Declaration<Typed<T, O, string>>
export function parameter<T>(name: string, options: OtherDefault<T, ParameterOptions>): Declaration<unknown>
export function parameter<T>(name: string, options: OptionalOf<T, ParameterOptions>): Declaration<T | undefined>
export function parameter(name: string, options?: ParameterOptions): Declaration<unknown> {
  return { kind: 'parameter', name, options: options ?? {} }
}

/** Every parameter below an SSM path, as one object keyed by the name relative to the path. */
export function parameters<T>(path: string, options: DefaultOf<T, ParametersOptions>): Declaration<T>
export function parameters<T = never, const O extends ParametersOptions = NotOptional<ParametersOptions>>(
  path: string,
  options?: OnlyKnown<O, ParametersOptions>,
): Declaration<Optional<O, Chosen<Inert<T>, Record<string, TransformedValue<O, string>>>>>
export function parameters<T>(path: string, options: OtherDefault<T, ParametersOptions>): Declaration<unknown>
export function parameters<T>(path: string, options: OptionalOf<T, ParametersOptions>): Declaration<T | undefined>
export function parameters(path: string, options?: ParametersOptions): Declaration<unknown> {
  return { kind: 'parameters', name: path, options: options ?? {} }
}

/**
 * An AWS AppConfig configuration (application, environment and configuration profile, names or
 * ids), as the AppConfigData API serves it: text for a textual content type, else bytes.
 */
export function appConfig<T>(application: string, environment: string, profile: string, options: DefaultOf<T, AppConfigOptions>): Declaration<T>
export function appConfig<T = never, const O extends AppConfigOptions = NotOptional<AppConfigOptions>>(
  application: string,
  environment: string,
  profile: string,
  options?: OnlyKnown<O, AppConfigOptions>,
): Declaration<Typed<T, O, string | Uint8Array>>
export function appConfig<T>(application: string, environment: string, profile: string, options: OtherDefault<T, AppConfigOptions>): Declaration<unknown>
export function appConfig<T>(application: string, environment: string, profile: string, options: OptionalOf<T, AppConfigOptions>): Declaration<T | undefined>
export function appConfig(application: string, environment: string, profile: string, options?: AppConfigOptions): Declaration<unknown> {
  return { kind: 'appConfig', name: `${application}/${environment}/${profile}`, appConfig: [application, environment, profile], options: options ?? {} }
}

/** One attribute (`value`) of one DynamoDB item (partition key `id` = `key`), as Powertools' DynamoDBProvider.get. */
export function item<T>(table: string, key: string | number, options: DefaultOf<T, ItemOptions>): Declaration<T>
export function item<T = never, const O extends ItemOptions = NotOptional<ItemOptions>>(table: string, key: string | number, options?: OnlyKnown<O, ItemOptions>): Declaration<Typed<T, O, unknown>>
export function item<T>(table: string, key: string | number, options: OtherDefault<T, ItemOptions>): Declaration<unknown>
export function item<T>(table: string, key: string | number, options: OptionalOf<T, ItemOptions>): Declaration<T | undefined>
export function item(table: string, key: string | number, options?: ItemOptions): Declaration<unknown> {
  return { kind: 'item', name: table, key, options: options ?? {} }
}

/** Every item of a DynamoDB partition as `{ [sortKey]: value }`, as Powertools' DynamoDBProvider.getMultiple. */
export function items<T>(table: string, key: string | number, options: DefaultOf<T, ItemsOptions>): Declaration<T>
export function items<T = never, const O extends ItemsOptions = NotOptional<ItemsOptions>>(
  table: string,
  key: string | number,
  options?: OnlyKnown<O, ItemsOptions>,
): Declaration<Optional<O, Chosen<Inert<T>, Record<string, TransformedValue<O, unknown>>>>>
export function items<T>(table: string, key: string | number, options: OtherDefault<T, ItemsOptions>): Declaration<unknown>
export function items<T>(table: string, key: string | number, options: OptionalOf<T, ItemsOptions>): Declaration<T | undefined>
export function items(table: string, key: string | number, options?: ItemsOptions): Declaration<unknown> {
  return { kind: 'items', name: table, key, options: options ?? {} }
}

/** A map entry: a declaration, or a plain string meaning `secret(string)`. */
export type KeyDeclaration = Declaration<unknown> | string

/** The type a map entry injects. */
export type ValueOf<D> = D extends string ? string | Uint8Array : D extends Declaration<infer T> ? T : never

/** The context keys a `context` map adds, typed from the declarations. */
export type InjectedContext<C> = { -readonly [K in keyof C]: ValueOf<C[K]> }
