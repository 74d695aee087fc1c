/**
 * Loading what the lean transport runs on, on its first call and as cheaply as Node allows:
 *
 * - node:http / node:https through `process.getBuiltinModule` (Node >= 20.16), not a static ESM
 *   `import`: on Node 22 an ESM import of node:http costs 20-25 ms, because building its
 *   namespace reads the lazy WebSocket getters, which load undici. Older Node 20 falls back to
 *   `createRequire`.
 * - aws4 for SigV4, a small dependency-free signer: on this project's machine (Node 20, busy,
 *   medians of 9) `require('aws4')` takes 4-8 ms, its first signature 1.4-4 ms (crypto's first
 *   use) and the next ones 0.04 ms, where `require('@smithy/signature-v4')`, the SDK's signer,
 *   takes 48 ms. The built package carries its own copy (aws4-module.ts says why and how).
 */
import type * as Http from 'node:http'
import type * as Https from 'node:https'
import type * as NodeModule from 'node:module'
import type * as Aws4 from 'aws4'
import { aws4Module, type RequireBuiltin } from './aws4-module.js'

export type HttpModule = typeof Http
export type HttpsModule = typeof Https
export type Aws4Module = typeof Aws4

type GetBuiltin = <T>(id: string) => T | undefined

/** `process.getBuiltinModule` (Node >= 20.16), or undefined. */
function builtinModuleGetter(): GetBuiltin | undefined {
  const get = (process as { getBuiltinModule?: GetBuiltin }).getBuiltinModule
  return typeof get === 'function' ? get : undefined
}

/** A builtin module, synchronously and without an ESM import's cost; undefined before Node 20.16. */
export function getBuiltin<T>(id: string): T | undefined {
  return builtinModuleGetter()?.<T>(id)
}

let requireFn: Promise<NodeJS.Require> | undefined

/** Node's `require`, for this file's location. */
function nodeRequire(): Promise<NodeJS.Require> {
  requireFn ??= (async () => {
    const moduleApi = getBuiltin<typeof NodeModule>('node:module') ?? (await import('node:module'))
    // Bundled to CommonJS by esbuild (CDK's default), import.meta is {}: any absolute path serves,
    // since this require loads only Node's builtins.
    return moduleApi.createRequire((import.meta.url as string | undefined) ?? `${process.cwd()}/`)
  })()
  return requireFn
}

/** `require` for Node's builtins: process.getBuiltinModule where Node has it (no CommonJS loader), else createRequire's. */
async function builtinRequire(): Promise<RequireBuiltin> {
  return builtinModuleGetter() ?? (await nodeRequire())
}

export async function loadHttp(secure: boolean): Promise<HttpModule | HttpsModule> {
  return (await builtinRequire())(secure ? 'node:https' : 'node:http') as HttpModule | HttpsModule
}

let aws4: Promise<Aws4Module> | undefined

export function loadAws4(): Promise<Aws4Module> {
  aws4 ??= (async () => aws4Module(await builtinRequire(), nodeRequire))()
  return aws4
}
