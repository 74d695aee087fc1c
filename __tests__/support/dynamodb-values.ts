/** One attribute of every DynamoDB type, as plain values: what a round trip through a store or the SDK must keep. */
export const EVERY_DYNAMODB_TYPE = {
  s: 'text',
  n: 42.5,
  bool: true,
  nul: null,
  b: new Uint8Array([0, 1, 254, 255]),
  l: [1, 'two', [false]],
  m: { nested: { deep: 'x' }, n: -1 },
  ss: new Set(['a', 'b']),
  ns: new Set([1, 2, 3]),
  bs: new Set([new Uint8Array([1]), new Uint8Array([2])]),
}
