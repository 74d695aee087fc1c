/** The test CA and the stand-in's certificate (__tests__/fixtures/tls/README.md says how they were made). */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const FOLDER = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tls')

/** For `startAwsServer({ tls })`: a certificate for 127.0.0.1 that the test CA signed. */
export const SERVER_TLS = { key: readFileSync(join(FOLDER, 'server-key.pem')), cert: readFileSync(join(FOLDER, 'server-cert.pem')) }

/** The test CA's PEM file, for NODE_EXTRA_CA_CERTS: a process started with it trusts SERVER_TLS. */
export const TEST_CA_FILE = join(FOLDER, 'ca.pem')
