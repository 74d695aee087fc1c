/** json-number.ts: a number's own text in the JSON it was read from, and whether the double read from it prints the same number. */
import fc from 'fast-check'
import { numberText, printsAs } from '../lib/json-number.js'

describe('numberText', () => {
  test.each([
    ['a field, spelled with an exponent', ' {"n":1.50e2}\n', 'n', '1.50e2'],
    ['a top-level field, spelled as it is', '{ "a" : -0.0 , "n":1e-400}', 'n', '1e-400'],
    ['the last of two fields of one name, as JSON.parse keeps it', '{"n":1,"n":2.50}', 'n', '2.50'],
    ['a field after strings holding braces, quotes and escapes', '{"s":"}{\\"n\\":9,","t":"\\\\","n":7}', 'n', '7'],
    ['a field after nested objects and lists holding the same name', '{"o":{"n":1,"l":[{"n":2}]},"l":[[],[3,"]"]],"n":0.25}', 'n', '0.25'],
    ['a field after literals', '{"t":true,"f":false,"z":null,"n":3}', 'n', '3'],
    ['a name spelled with escapes', '{"\\u006e":12}', 'n', '12'],
  ])('%s', (_label, json, field, text) => {
    expect(numberText(json, field)).toBe(text)
  })

  test.each([
    ['a field that holds text', '{"n":"5"}', 'n'],
    ['a field that holds an object', '{"n":{"v":5}}', 'n'],
    ['a field that is not there', '{"m":5}', 'n'],
    ['a nested field only', '{"o":{"n":5}}', 'n'],
    ['an empty object', '{ }', 'n'],
  ])('none for %s', (_label, json, field) => {
    expect(numberText(json, field)).toBeUndefined()
  })

  test('any JSON object, however spaced: each top-level number field is found with the text JSON.stringify wrote for it', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.constantFrom(undefined, 1, '\t', '  \n '), (object, space) => {
        const json = JSON.stringify(object, null, space)
        for (const [field, value] of Object.entries(object)) {
          const text = numberText(json, field)
          if (typeof value === 'number') expect(Number(text) === value).toBe(true) // == for -0, which JSON.stringify writes as 0
          else expect(text).toBeUndefined()
        }
      }),
      { numRuns: 500 },
    )
  })
})

describe('printsAs', () => {
  test.each([
    [150, '1.50e2'],
    [150, '150.000'],
    [0, '-0'],
    [0, '0e10'],
    [1e21, '1E+21'],
    [5e-324, '5e-324'],
    [-0.5, '-5e-1'],
    [9007199254740991, '9007199254740991'],
  ])('%p prints as the number %s', (value, text) => {
    expect(printsAs(value, text)).toBe(true)
  })

  test.each([
    [JSON.parse('1e-400') as number, '1e-400'], // underflows to 0
    [JSON.parse('0.12345678901234567890') as number, '0.12345678901234567890'], // 17 digits kept
    [JSON.parse('0.10000000000000001') as number, '0.10000000000000001'], // the double of 0.1
    [JSON.parse('-1.0000000000000000001') as number, '-1.0000000000000000001'],
  ])('%p does not print as %s', (value, text) => {
    expect(printsAs(value, text)).toBe(false)
  })

  test('every double prints as its own shortest spelling, and as the exponent forms of it', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const text = String(value)
        expect(printsAs(value, text)).toBe(true)
        expect(printsAs(value, value.toExponential())).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })
})
