/** The one account and Region the models live in: every ARN they hand out names them. */
export const REGION = 'us-east-1'
export const ACCOUNT = '123456789012'

/** `arn:aws:SERVICE:us-east-1:123456789012:RESOURCE`. */
export function arn(service: string, resource: string): string {
  return `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`
}
