/**
 * Whether a number read from a JSON secret is the number the secret holds. JSON.parse rounds to
 * the nearest double: `1e-400` reads as 0, `0.12345678901234567890` as 0.12345678901234568, and
 * an env key would be given those other digits. The number's own text is found again in the JSON
 * (which JSON.parse has already accepted, so the scan needs no error handling) and compared by
 * decimal value with what the double prints. Runtimes whose JSON.parse passes the source to a
 * reviver (Node 21+) could give it directly; Node 20 cannot, and this works on all of them.
 */

const WHITESPACE = /[ \t\n\r]*/y
const STRING = /"(?:[^"\\]|\\.)*"/y
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const LITERAL = /true|false|null/y

/** The match of a sticky pattern at `at` (the JSON is valid, so the caller knows one is there). */
function token(pattern: RegExp, json: string, at: number): string {
  pattern.lastIndex = at
  return pattern.exec(json)?.[0] ?? ''
}

function skipWhitespace(json: string, at: number): number {
  return at + token(WHITESPACE, json, at).length
}

/** Where the JSON value that starts at `at` ends. */
function valueEnd(json: string, at: number): number {
  const first = json[at]
  if (first === '"') return at + token(STRING, json, at).length
  if (first !== '{' && first !== '[') return at + (token(NUMBER, json, at) || token(LITERAL, json, at)).length
  let depth = 0
  for (let i = at; ; i += 1) {
    const c = json[i]
    if (c === '"') i += token(STRING, json, i).length - 1
    else if (c === '{' || c === '[') depth += 1
    else if ((c === '}' || c === ']') && --depth === 0) return i + 1
  }
}

/**
 * The text of the number that JSON.parse gave for one top-level field of a JSON object (the last
 * of that name, as JSON.parse keeps it); undefined if that value is no number. (An env key takes
 * a JSON secret's field only: a whole document is an object, and refused at secrets().)
 */
export function numberText(json: string, field: string): string | undefined {
  let found: string | undefined
  let at = skipWhitespace(json, skipWhitespace(json, 0) + 1) // past '{'
  while (json[at] === '"') {
    const name = token(STRING, json, at)
    at = skipWhitespace(json, skipWhitespace(json, at + name.length) + 1) // past the name and ':'
    if (JSON.parse(name) === field) found = token(NUMBER, json, at) || undefined
    at = skipWhitespace(json, valueEnd(json, at))
    // Stryker disable next-line ConditionalExpression: JSON.parse accepted the text, so a member's value is followed by ',' or the closing '}'; stepping past that '}' as well leaves only whitespace, and the loop ends all the same
    if (json[at] === ',') at = skipWhitespace(json, at + 1)
  }
  return found
}

/** A decimal's value in one spelling: significant digits and exponent (`1.50e2` and `150` alike). */
function decimalValue(text: string): string {
  // Stryker disable next-line Regex: the text is a whole JSON number token or what a finite double prints, so the anchors never cut anything
  const [, sign, whole, fraction = '', exponent = '0'] = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)!
  const digits = `${whole}${fraction}`.replace(/^0+/, '')
  if (digits === '') return '0' // -0 too: an environment variable cannot tell it from 0
  const significant = digits.replace(/0+$/, '')
  // Stryker disable next-line ArithmeticOperator: equal values have equal significant digits, so a mutant that shifts both exponents by them compares the same
  return `${sign}${significant}e${Number(exponent) - fraction.length + digits.length - significant.length}`
}

/** Does the double `value` print as the same number as `text`, the JSON's spelling of it? */
export function printsAs(value: number, text: string): boolean {
  return decimalValue(String(value)) === decimalValue(text)
}
