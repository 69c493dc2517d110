/**
 * The TOML parser's messages are written for people who know the grammar
 * ("control characters are not allowed in strings" for a missing quote).
 * These say what is wrong in the words of someone editing a config file; the
 * parser's own words follow in brackets, for searching.
 */
const PLAIN: ReadonlyArray<[RegExp, string]> = [
  [/control characters are not allowed in strings|unfinished string/, 'a string has no closing quote (" or \')'],
  [
    /each key-value declaration must be followed by an end-of-line/,
    'something follows the value on this line: one setting per line, and commas between the items of a [ … ] list',
  ],
  [/trying to redefine an already defined (table or )?value/, 'this key or table is written twice'],
  [/unfinished array/, 'a list [ … ] is not closed with ]'],
  [/expected comma or end of structure/, 'a comma is missing between the items of a list or { … } table'],
  [/incomplete key-value: cannot find end of key|unexpected end of key/, 'a key has no = and value'],
  [/unfinished table|expected end of table array declaration/, 'a table header [ … ] is not closed with ]'],
  [/invalid value/, 'this value is not valid: text needs quotes ("…"), lists need [ … ], true and false are lower case'],
  [/illegal character in key|illegal empty bare key/, 'a key may only hold letters, digits, _ and - (quote it otherwise)'],
];

export function plainTomlMessage(parserMessage: string): string {
  const bare = parserMessage.replace(/^Invalid TOML document:\s*/, '');
  for (const [pattern, plain] of PLAIN) if (pattern.test(bare)) return `${plain} [TOML: ${bare}]`;
  return bare;
}
