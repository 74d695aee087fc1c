/**
 * stores/extension-connection.ts, its options: the option before the variable, each checked under
 * its own name, and the hint that names the layer and the port variable. Its GETs are tested
 * through both extension stores (extension.test.ts, appconfig-extension.test.ts).
 */
import { ExtensionConfigError } from '../../lib/env-vars.js'
import { ConfigError } from '../../lib/errors.js'
import { extensionConnection, type ExtensionVariables } from '../../lib/stores/extension-connection.js'

const VARIABLES: ExtensionVariables = {
  port: 'TEST_EXTENSION_PORT',
  maxConnections: 'TEST_EXTENSION_MAX_CONNECTIONS',
  rules: { port: { default: 2999, min: 1, max: 65535 }, maxConnections: { default: 3, min: 1 } },
  layer: 'Test extension layer',
}

test('without options: the defaults, or the variables when set', () => {
  expect(extensionConnection({}, {}, VARIABLES).endpoint).toMatchObject({ host: '127.0.0.1', port: 2999, maxConnections: 3 })
  const fromEnv = extensionConnection({}, { TEST_EXTENSION_PORT: '3001', TEST_EXTENSION_MAX_CONNECTIONS: '5' }, VARIABLES)
  expect(fromEnv.endpoint).toMatchObject({ port: 3001, maxConnections: 5 })
})

test('an option wins over its variable, which is then not read', () => {
  const env = { TEST_EXTENSION_PORT: 'not a port', TEST_EXTENSION_MAX_CONNECTIONS: '0' }
  expect(extensionConnection({ host: 'localhost', port: 3002, maxConnections: 2 }, env, VARIABLES).endpoint).toMatchObject({ host: 'localhost', port: 3002, maxConnections: 2 })
})

test('errors name the option or the variable that is wrong', () => {
  expect(() => extensionConnection({ host: '10.0.0.1' }, {}, VARIABLES)).toThrow(/host.*loopback/)
  expect(() => extensionConnection({}, { TEST_EXTENSION_PORT: '70000' }, VARIABLES)).toThrow(ExtensionConfigError)
  expect(() => extensionConnection({}, { TEST_EXTENSION_PORT: '70000' }, VARIABLES)).toThrow(/TEST_EXTENSION_PORT.*70000/)
  expect(() => extensionConnection({ port: 0 }, {}, VARIABLES)).toThrow("option 'port' is '0'")
  expect(() => extensionConnection({ maxConnections: 0 }, {}, VARIABLES)).toThrow(ConfigError)
  expect(() => extensionConnection({ maxConnections: 0 }, {}, VARIABLES)).toThrow(/maxConnections/)
  expect(() => extensionConnection({ startupTimeoutMs: -1 }, {}, VARIABLES)).toThrow(/startupTimeoutMs/)
})

test('when nothing listens: how long to wait for the start, and what to check', () => {
  expect(extensionConnection({}, {}, VARIABLES).unreachable).toEqual({
    startupTimeoutMs: 2000,
    hint: 'add the Test extension layer, and check that TEST_EXTENSION_PORT is the same for the function and the extension',
  })
  expect(extensionConnection({ startupTimeoutMs: 0 }, {}, VARIABLES).unreachable.startupTimeoutMs).toBe(0)
})
