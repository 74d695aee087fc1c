/**
 * What of a failure's message may leave the package (a SecretsError, its failures). AWS's answer
 * to a signature it does not accept (InvalidSignatureException, SignatureDoesNotMatch) goes on,
 * after its first paragraph, to quote the canonical request and the string to sign it expected:
 * every signed header with its value, the session token among them. So only the first paragraph
 * is kept, whatever looks like a credential in it is masked, and it is cut to a length a log line
 * can carry. What AWS says first (the error, "Signature expired: ...") is all a reader needs.
 */
const MAX_LENGTH = 500
const CANONICAL = /The Canonical String|The String-to-Sign/
const CREDENTIAL = /(x-amz-security-token[:=]|x-amz-credential=|x-amz-signature=|credential=|signature=)\s*[^\s,;'"&]+/gi

export function redacted(message: string): string {
  const paragraph = message.split(/\r?\n[ \t]*\r?\n/, 1)[0]!.split(CANONICAL, 1)[0]!.trimEnd()
  const masked = paragraph.replace(CREDENTIAL, '$1…')
  return masked.length > MAX_LENGTH ? `${masked.slice(0, MAX_LENGTH)}…` : masked
}
