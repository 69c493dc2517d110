import picomatch from 'picomatch';

/**
 * A matcher for variable names against `[commands] secret_env` globs (any
 * case, as picomatch with `nocase` and `dot`). Globs made only of letters,
 * digits, `_` and `*` (the shipped ones: `*_KEY`, `*PASSWORD*`, …) become one
 * regular expression directly: picomatch's own parse of them was most of the
 * cost of taking the secrets out of the environment when aios starts, which
 * every short command pays. Any other glob goes to picomatch.
 * `test/environment/name-globs.test.ts` checks the two agree.
 */
/** Letters, digits, `_` and single `*` (a `**` is a globstar to picomatch). */
const PLAIN_GLOB = /^(?:[A-Za-z0-9_]|\*(?!\*))+$/;
/**
 * Names the regular expression decides: letters, digits and `_`, what
 * environment variables are called. picomatch reads a name as a path (a `*`
 * also takes a trailing `/`, never `.` or `..`, never nothing), so any other
 * name goes to picomatch itself, built only if such a name ever comes.
 */
const PLAIN_NAME = /^[A-Za-z0-9_]+$/;

export function secretNameMatcher(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => false;
  const full = () => picomatch([...patterns], { nocase: true, dot: true });
  if (!patterns.every((p) => PLAIN_GLOB.test(p))) return full();
  // Within plain names `*` is any run of characters, as picomatch reads it there.
  const re = new RegExp(`^(?:${patterns.map((p) => p.split('*').join('.*')).join('|')})$`, 'i');
  let other: ((name: string) => boolean) | undefined;
  return (name) => (PLAIN_NAME.test(name) ? re.test(name) : (other ??= full())(name));
}
