import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_ENV_PATTERNS } from '../../src/core/environment/command-env';
import { secretNameMatcher } from '../../src/core/environment/name-globs';

/** What the secret variables' globs meant before: picomatch, any case, dot files too. */
const picomatchOf = (patterns: readonly string[]) =>
  patterns.length > 0 ? picomatch([...patterns], { nocase: true, dot: true }) : () => false;

const nameChars = fc.constantFrom(...'aAkKeEyY_zZ09./-*PASSWORDtoken'.split(''));
const names = fc.string({ unit: nameChars, minLength: 1, maxLength: 16 });
const globs = fc.array(fc.string({ unit: fc.constantFrom(...'aKeY_09*./?[]{}!'.split('')), minLength: 1, maxLength: 8 }), {
  minLength: 1,
  maxLength: 4,
});

describe('secretNameMatcher', () => {
  it('decides every name as picomatch does for the shipped globs', () => {
    const mine = secretNameMatcher(DEFAULT_SECRET_ENV_PATTERNS);
    const theirs = picomatchOf(DEFAULT_SECRET_ENV_PATTERNS);
    for (const name of [
      'OPENAI_API_KEY',
      'openai_api_key',
      'GITHUB_TOKEN',
      'DB_PASSWORD_FILE',
      'AWS_SECRET',
      'MY_CREDENTIALS',
      'PATH',
      'HOME',
      '_KEY',
      'KEY',
      'a/b_KEY',
      '.x_token',
    ])
      expect(mine(name), name).toBe(theirs(name));
    fc.assert(
      fc.property(names, (name) => mine(name) === theirs(name)),
      { numRuns: 2000 },
    );
  });

  it('reads a name that is not a variable name as picomatch reads a path (a trailing /, never . or ..)', () => {
    for (const patterns of [['*', 'a'], ['*KEY*'], ['*_KEY'], ['a*']])
      for (const name of ['/', 'a/', 'KEY/', '.', '..', '.KEY', 'a/b', '/_KEY', 'x.y_KEY'])
        expect(secretNameMatcher(patterns)(name), `${patterns.join(',')} ${name}`).toBe(picomatchOf(patterns)(name));
  });

  it('decides every name as picomatch does for any globs, plain or not', () => {
    fc.assert(
      fc.property(globs, names, (patterns, name) => secretNameMatcher(patterns)(name) === picomatchOf(patterns)(name)),
      { numRuns: 3000 },
    );
  });

  it('matches nothing without globs', () => {
    expect(secretNameMatcher([])('ANY_KEY')).toBe(false);
  });
});
