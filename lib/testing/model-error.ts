/**
 * The error every model answers with: AWS's error name, AWS's HTTP status for it, and the extra
 * members some services put beside the message (AppConfig's `ResourceType`, `Reason`...). Messages
 * name resources, never values.
 */
export class ModelError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
    /** Members of the error shape beyond the message, written into the error body as they are. */
    readonly fields?: Readonly<Record<string, unknown>>,
  ) {
    super(message)
    this.name = code
  }
}
