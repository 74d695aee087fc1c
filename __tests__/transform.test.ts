/** transform.ts: json, base64, binary, auto, field pick, envText; errors never quote the value. */
import { inspect } from 'node:util'
import { clearCache } from '../lib/index.js'
import { applyTransform, concreteTransform, envText, pickField, TRANSFORMS, TransformError } from '../lib/transform.js'

beforeEach(() => {
  clearCache()
})

const SECRET = 'hunter2-SECRET'

/** Runs `fn`, expects a TransformError and returns it. */
function transformError(fn: () => unknown): TransformError {
  let thrown: unknown
  try {
    fn()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(TransformError)
  return thrown as TransformError
}

function expectNoSecret(error: Error): void {
  for (const text of [error.message, String(error), inspect(error), JSON.stringify(error), error.stack ?? '']) expect(text).not.toContain(SECRET)
}

test('the transforms users may declare', () => {
  expect(TRANSFORMS).toEqual(['json', 'base64', 'binary', 'auto'])
})

describe('none', () => {
  test('returns the raw value as is, text or bytes', () => {
    expect(applyTransform('none', 'abc')).toBe('abc')
    const bytes = new Uint8Array([0, 255, 7])
    expect(applyTransform('none', bytes)).toBe(bytes)
  })
})

describe('a value that is not text (DynamoDB)', () => {
  test('none passes it as it is', () => {
    const map = { a: 1 }
    expect(applyTransform('none', map)).toBe(map)
  })

  test.each([
    [null, 'is null'],
    [[1, 2], 'is a list'],
    [{ a: 1 }, 'is a map'],
    [5, 'is a number'],
    [true, 'is a boolean'],
  ])('any other transform is a TransformError that says what it is: %p', (raw, what) => {
    for (const transform of ['json', 'base64', 'binary'] as const) {
      expect(transformError(() => applyTransform(transform, raw)).message).toBe(
        `${what}, not text, so transform '${transform}' cannot apply; declare no transform (a map arrives as an object)`,
      )
    }
  })
})

describe('json', () => {
  test('parses objects, arrays and scalars', () => {
    expect(applyTransform('json', '{"user":"u","port":5432,"nested":{"a":[1,2]}}')).toEqual({ user: 'u', port: 5432, nested: { a: [1, 2] } })
    expect(applyTransform('json', '[1,"two"]')).toEqual([1, 'two'])
    expect(applyTransform('json', '42')).toBe(42)
    expect(applyTransform('json', 'null')).toBeNull()
  })

  test('parses UTF-8 bytes (a SecretBinary holding JSON)', () => {
    expect(applyTransform('json', new TextEncoder().encode('{"k":"é"}'))).toEqual({ k: 'é' })
  })

  test('malformed JSON: a TransformError that does not contain the value', () => {
    const error = transformError(() => applyTransform('json', SECRET))
    expect(error.name).toBe('TransformError')
    expect(error.message).toBe('is not valid JSON') // not even its length: a short password's narrows the guess
    expect(transformError(() => applyTransform('json', ' ')).message).toBe('is empty, not JSON')
    expectNoSecret(error)
  })

  test('truncated JSON object holding the value: still not quoted', () => {
    const error = transformError(() => applyTransform('json', `{"password":"${SECRET}"`))
    expectNoSecret(error)
    expect(error.cause).toBeUndefined()
  })

  test('bytes that are not UTF-8', () => {
    const error = transformError(() => applyTransform('json', new Uint8Array([0xff, 0xfe, 0x00])))
    expect(error.message).toContain('not valid UTF-8')
  })
})

describe('base64', () => {
  test('decodes text to bytes', () => {
    const out = applyTransform('base64', Buffer.from('hello').toString('base64'))
    expect(out).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(out as Uint8Array).toString()).toBe('hello')
  })

  test('accepts url-safe alphabet, missing padding and surrounding whitespace', () => {
    expect([...(applyTransform('base64', '-_8') as Uint8Array)]).toEqual([...Buffer.from('-_8', 'base64url')])
    expect(Buffer.from(applyTransform('base64', ' aGk \n') as Uint8Array).toString()).toBe('hi')
    expect(Buffer.from(applyTransform('base64', 'aGk') as Uint8Array).toString()).toBe('hi')
  })

  test('bytes (SecretBinary) pass through', () => {
    const bytes = new Uint8Array([1, 2, 3])
    expect(applyTransform('base64', bytes)).toBe(bytes)
  })

  test('text that is not base64: a TransformError without the value', () => {
    const error = transformError(() => applyTransform('base64', `${SECRET}!`))
    expect(error.message).toBe('is not valid base64')
    expectNoSecret(error)
  })

  test.each([
    ['a length of 4n + 1 (no base64 ends one character into a quantum)', 'abcde'],
    ['padding that does not complete a quantum', 'aGk=='],
    ['three padding characters', 'aG==='],
    ['padding inside', 'aG=k'],
  ])('%s: refused, not decoded to fewer bytes', (_, text) => {
    expect(transformError(() => applyTransform('base64', text)).message).toBe('is not valid base64')
    expect(transformError(() => applyTransform('binary', text)).message).toBe('is not valid base64')
  })

  test('padded and unpadded quanta of every length are accepted', () => {
    for (const text of ['', 'aA==', 'aGk=', 'aGlq', 'aA', 'aGk', 'aGlqaw']) expect(() => applyTransform('base64', text)).not.toThrow()
  })
})

describe('binary', () => {
  test('decodes base64 text to a UTF-8 string', () => {
    expect(applyTransform('binary', Buffer.from('héllo').toString('base64'))).toBe('héllo')
  })

  test('bytes (SecretBinary) become their UTF-8 text', () => {
    expect(applyTransform('binary', new TextEncoder().encode('plain text'))).toBe('plain text')
  })

  test('bytes that are not UTF-8 fail', () => {
    const error = transformError(() => applyTransform('binary', Buffer.from([0xc3, 0x28]).toString('base64')))
    expect(error.message).toContain('not valid UTF-8')
  })

  test('text that is not base64 fails without the value', () => {
    expectNoSecret(transformError(() => applyTransform('binary', `${SECRET} `.repeat(2))))
  })
})

describe('auto', () => {
  test.each([
    ['config.json', 'json'],
    ['config.JSON', 'json'],
    ['/app/Settings.Json', 'json'],
    ['key.binary', 'binary'],
    ['key.BINARY', 'binary'],
    ['plain', 'none'],
    ['json', 'none'],
    ['file.json.txt', 'none'],
    ['x.binaryx', 'none'],
  ])('%s -> %s', (name, expected) => {
    expect(concreteTransform('auto', name)).toBe(expected)
  })

  test('explicit transforms ignore the name; none without a transform', () => {
    expect(concreteTransform(undefined, 'config.json')).toBe('none')
    expect(concreteTransform('base64', 'config.json')).toBe('base64')
    expect(concreteTransform('json', 'plain')).toBe('json')
    expect(concreteTransform('binary', 'x.json')).toBe('binary')
  })
})

describe('pickField', () => {
  test('picks a top-level field of any type', () => {
    const parsed = { user: 'u', port: 5432, nested: { a: 1 }, empty: null }
    expect(pickField(parsed, 'user')).toBe('u')
    expect(pickField(parsed, 'port')).toBe(5432)
    expect(pickField(parsed, 'nested')).toEqual({ a: 1 })
    expect(pickField(parsed, 'empty')).toBeNull()
  })

  test('a missing field names the field and how many fields there are, never their names or values', () => {
    const error = transformError(() => pickField({ user: 'u', password: SECRET }, 'pass'))
    expect(error.message).toBe("has no field 'pass' (it has 2 fields)")
    expect(error.message).not.toContain('user')
    expectNoSecret(error)
    expect(transformError(() => pickField({ only: 1 }, 'x')).message).toBe("has no field 'x' (it has 1 field)")
  })

  test('an inherited property is not a field', () => {
    expect(transformError(() => pickField({}, 'toString')).message).toContain("no field 'toString'")
  })

  test.each([
    ['a string', SECRET],
    ['an array', [SECRET]],
    ['null', null],
    ['a number', 7],
  ])('a non-object (%s) cannot be picked from', (_label, parsed) => {
    const error = transformError(() => pickField(parsed, 'user'))
    expect(error.message).toBe("is not a JSON object, so field 'user' cannot be picked")
    expectNoSecret(error)
  })
})

describe('envText', () => {
  test('strings as they are; numbers, booleans and bigints printed', () => {
    expect(envText('abc')).toBe('abc')
    expect(envText('')).toBe('')
    expect(envText(5432)).toBe('5432')
    expect(envText(false)).toBe('false')
    expect(envText(10n)).toBe('10')
    expect(envText(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991')
    expect(envText(-Number.MAX_SAFE_INTEGER)).toBe('-9007199254740991')
    expect(envText(0.5)).toBe('0.5')
  })

  // inject.ts passes a spelling with numbers only, but the check must not rest on that: it compares
  // a number with its spelling, and anything else is written (or refused) as without one.
  test('a JSON spelling concerns numbers only: text and booleans given one are written as they are', () => {
    expect(envText('abc', '5')).toBe('abc')
    expect(envText(true, '1')).toBe('true')
    expect(envText(5, '5.0')).toBe('5')
  })

  // A JSON field `{"id": 12345678901234567890}` parses to 12345678901234567000, and 1e400 to
  // Infinity: written as text they would be other values. Refused, as DynamoDB's are.
  test.each([
    ['an integer beyond 2^53', JSON.parse('12345678901234567890') as number],
    // 2^53 itself: 2^53 + 1 parses to it too, and without its spelling the two cannot be told apart.
    ['2^53', 2 ** 53],
    ['a negative one', JSON.parse('-9007199254740993') as number],
    ['a number past the largest double', JSON.parse('1e400') as number],
    ['its negative', JSON.parse('-1e400') as number],
  ])('%s is refused, never written with other digits', (_what, value) => {
    expect(transformError(() => envText(value)).message).toBe('is a number too large to be read exactly (beyond 2^53 - 1); store it as a string')
  })

  // Node writes a lone surrogate to the environment as U+FFFD: a different value, silently.
  test('text with a lone UTF-16 surrogate is refused, a pair written as it is', () => {
    for (const text of ['\ud800', 'a\udc00b', 'tail\udbff', '\udc00\ud800']) {
      expect(transformError(() => envText(text)).message).toBe('contains a lone UTF-16 surrogate, which an environment variable cannot hold')
    }
    expect(envText('\ud83d\ude00 ok')).toBe('\ud83d\ude00 ok')
    expect(envText(JSON.parse('"\\ud83d\\ude00"') as string)).toBe('\u{1f600}')
  })

  test('bytes, objects, null and undefined are not text', () => {
    expect(transformError(() => envText(new Uint8Array([1]))).message).toContain("transform 'binary'")
    expect(transformError(() => envText({ password: SECRET })).message).toBe("is object, and environment variables hold text; pick a text field with 'field'")
    expect(transformError(() => envText(null)).message).toContain('is null')
    expect(transformError(() => envText(undefined)).message).toContain('is undefined')
    expectNoSecret(transformError(() => envText([SECRET])))
  })
})
