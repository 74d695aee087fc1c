/**
 * SSM Parameter Store's naming rules, in one place for the SSM store, the extension protocol and
 * the test model: version and label selectors (`name:3`, `name:label`), SSM's identity of
 * single-level names (`/name` and `name` are one parameter), and names relative to a path.
 */
import type { StoreRequest } from './store.js'

/** `name:3` / `name:label` -> parts. ARNs contain colons, so only the text after the last `/` counts. */
export function splitSelector(nameWithSelector: string): { name: string; selector?: string } {
  const slash = nameWithSelector.lastIndexOf('/')
  if (slash === -1 && nameWithSelector.startsWith('arn:')) return { name: nameWithSelector }
  const colon = nameWithSelector.indexOf(':', slash + 1)
  if (colon === -1) return { name: nameWithSelector }
  return { name: nameWithSelector.slice(0, colon), selector: nameWithSelector.slice(colon + 1) }
}

/** `:3`, `:label`, or '' when the request names neither a version nor a label. */
export function selectorSuffix(request: Pick<StoreRequest, 'version' | 'label'>): string {
  if (request.version !== undefined) return `:${request.version}`
  if (request.label !== undefined) return `:${request.label}`
  return ''
}

/** `name`, `name:3` or `name:label`, as GetParameter(s) take them. */
export function selectorName(request: Pick<StoreRequest, 'name' | 'version' | 'label'>): string {
  return `${request.name}${selectorSuffix(request)}`
}

/**
 * The one spelling of a parameter's name: SSM treats `/name` and `name` as the same parameter
 * when the name has no other `/` ("/TestParam1 and TestParam1 are not unique", AWS's naming
 * constraints), and answers with the name the parameter was created with. Deeper names always
 * start with `/`, and ARNs contain `/`: both are their own spelling.
 */
export function canonicalParameterName(name: string): string {
  return name.includes('/') ? name : `/${name}`
}

export function sameParameterName(a: string, b: string): boolean {
  return canonicalParameterName(a) === canonicalParameterName(b)
}

/**
 * A parameter's name relative to `path` (`/app` + `/app/db/host` -> `db/host`), what
 * parameters(path) keys its object by; undefined when the name is not below the path.
 */
export function relativeName(path: string, name: string): string | undefined {
  const prefix = path.endsWith('/') ? path : `${path}/`
  const full = canonicalParameterName(name)
  return full.startsWith(prefix) ? full.slice(prefix.length) : undefined
}
