// Preloaded by consumer.test.ts (node -r): each require of an AWS SDK client package, and the file
// that made it. An ES module's import() of one does not pass here.
const Module = require('node:module')
const original = Module.prototype.require
globalThis.requiredSdkClients = []
Module.prototype.require = function require(id) {
  if (/^@aws-sdk\/client-/.test(id)) globalThis.requiredSdkClients.push({ id, from: this.filename })
  return original.apply(this, arguments)
}
