// Preloaded by consumer.test.ts (node -r): each require of an AWS SDK client package (by its name,
// or by the path of a file in it), and the file that made it. An ES module's import() of one does
// not pass here.
const Module = require('node:module')
const original = Module.prototype.require
globalThis.requiredSdkClients = []
Module.prototype.require = function require(id) {
  const client = /(?:^|\/node_modules\/)(@aws-sdk\/client-[^/]+)/.exec(id)?.[1]
  if (client && !(this.filename ?? '').includes(`/node_modules/${client}/`)) globalThis.requiredSdkClients.push({ id: client, from: this.filename })
  return original.apply(this, arguments)
}
