/**
 * Types of handler.mjs, for the end-to-end test (__tests__/e2e/rds-rotation.test.ts). They are
 * self-contained on purpose: the test is type-checked before `npm run build` makes dist/, so
 * nothing here may import 'middy-secrets'.
 */
export declare const INVALID_PASSWORD: '28P01'
export declare function refreshOnInvalidPassword(error: unknown): string[] | false

export declare const stats: { runs: number; pools: number; connections: number; connectionsLost: number }

export interface ExampleLogger {
  debug(message: string, ...details: unknown[]): void
  info(message: string, ...details: unknown[]): void
  warn(message: string, ...details: unknown[]): void
  error(message: string, ...details: unknown[]): void
}

export interface HandlerOptions {
  secretName?: string
  refreshOn?: false | ((error: unknown) => string[] | boolean)
  retry?: boolean
  ttl?: number
  jitter?: number
  prefetch?: boolean
  logger?: ExampleLogger
  clientOptions?: Record<string, unknown>
  [option: string]: unknown
}

export interface LambdaContextLike {
  awsRequestId?: string
  getRemainingTimeInMillis?: () => number
  [key: string]: unknown
}

export interface QueryResult {
  user: string
  orders: number
}

export declare function createHandler(options?: HandlerOptions): {
  handler: (event: { maxId?: number } | undefined, context: LambdaContextLike) => Promise<QueryResult>
  middleware: { readonly ready: Promise<void>; refresh(keys?: string | readonly string[]): Promise<void> }
}

export declare function closeDatabase(): Promise<void>
export declare function coldStart(): Promise<void>
