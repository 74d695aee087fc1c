/**
 * Type-level check (run by `npm run typecheck`): the tracers' client captures fit the
 * `awsClientCapture` option as they are, with their published declarations.
 */
import type { AwsClientCapture } from '../../lib/index.js'

// aws-xray-sdk-core 3.x's declaration of captureAWSv3Client, and Powertools Tracer's method.
declare function captureAWSv3Client<T extends { middlewareStack: { remove: any; use: any }; config: any }>(client: T, segment?: unknown): T
declare const tracer: { captureAWSv3Client<T>(service: T): T }

export const xray: AwsClientCapture = captureAWSv3Client
export const powertools: AwsClientCapture = (client) => tracer.captureAWSv3Client(client)
