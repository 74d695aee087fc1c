/**
 * testing/index.ts, the kit users import from `middy-secrets/testing`: what it exports, and that
 * nothing it loads imports an @aws-sdk package (the SDK is a peer dependency a test may not have).
 */
import { readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import * as kit from '../../lib/testing/index.js'

/** The files of the import graph from `entry` (following relative imports), and the packages they import. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string): void => {
    if (files.has(file)) return
    files.add(file)
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      if (specifier!.startsWith('.')) visit(resolve(dirname(file), specifier!.replace(/\.js$/, '.ts')))
      else packages.add(specifier!)
    }
  }
  visit(resolve(entry))
  return { files: [...files].map((file) => relative(process.cwd(), file)), packages: [...packages] }
}

test('no module of the kit imports an @aws-sdk package', () => {
  const { files, packages } = importGraph('lib/testing/index.ts')
  expect(files).toEqual(expect.arrayContaining(['lib/testing/aws-server/appconfig-data.ts', 'lib/testing/aws-server/dynamodb.ts', 'lib/testing/memory-reads.ts']))
  expect(packages.filter((name) => name.startsWith('@aws-sdk/'))).toEqual([])
})

test('the kit exports the memory store, the model and the stand-ins, with AppConfig and DynamoDB', () => {
  expect(typeof kit.memoryStore).toBe('function')
  expect(typeof kit.startAwsServer).toBe('function')
  expect(new kit.SecretsModel({ appConfig: { 'a/e/p': '{}' }, dynamodb: { t: { partitionKey: 'id' } } }).dynamodb.tableNames()).toEqual(['t'])
  expect(kit.memoryStore({ dynamodb: { t: { partitionKey: 'id', items: [{ id: 'x' }] } } }).model.dynamodb.getItem('t', { id: 'x' })).toEqual({ id: 'x' })
})
