/** ssm-names.ts: SSM's selectors, its one spelling of single-level names, and names relative to a path. */
import { canonicalParameterName, relativeName, sameParameterName, selectorName, splitSelector } from '../lib/ssm-names.js'

const ARN = 'arn:aws:ssm:us-east-1:123456789012:parameter/app/db'

describe('selectors', () => {
  test('splitSelector reads `:3` and `:label` after the last `/`, so an ARN keeps its colons', () => {
    expect(splitSelector('/app/db')).toEqual({ name: '/app/db' })
    expect(splitSelector('/app/db:3')).toEqual({ name: '/app/db', selector: '3' })
    expect(splitSelector('flat:prod')).toEqual({ name: 'flat', selector: 'prod' })
    expect(splitSelector(ARN)).toEqual({ name: ARN })
    expect(splitSelector(`${ARN}:stable`)).toEqual({ name: ARN, selector: 'stable' })
  })

  test('selectorName writes a version or a label as GetParameter(s) take them', () => {
    expect(selectorName({ name: '/p' })).toBe('/p')
    expect(selectorName({ name: '/p', version: 3 })).toBe('/p:3')
    expect(selectorName({ name: '/p', label: 'prod' })).toBe('/p:prod')
  })
})

describe('one spelling per parameter', () => {
  test('`/name` and `name` are the same parameter; deeper names and ARNs are their own', () => {
    expect(canonicalParameterName('name')).toBe('/name')
    expect(canonicalParameterName('/name')).toBe('/name')
    expect(sameParameterName('name', '/name')).toBe(true)
    expect(sameParameterName('/app/db', 'app/db')).toBe(false)
    expect(canonicalParameterName(ARN)).toBe(ARN)
  })

  test('relativeName: below the path (a trailing slash or not), undefined elsewhere', () => {
    expect(relativeName('/app', '/app/db/host')).toBe('db/host')
    expect(relativeName('/app/', '/app/db')).toBe('db')
    expect(relativeName('/app', '/apple')).toBeUndefined()
    expect(relativeName('/', 'flat')).toBe('flat')
    expect(relativeName('/app', '/app/__proto__')).toBe('__proto__')
  })
})
