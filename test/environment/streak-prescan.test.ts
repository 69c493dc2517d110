import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FragmentIndex } from '../../src/core/environment/fragment-index';
import { canonical, MIN_FRAGMENT, secretForms } from '../../src/core/environment/secret-forms';

/**
 * FragmentIndex.find's first pass samples the new chunk instead of reading
 * every character (see hasStreak). Its answer (`candidates`) must be exactly
 * the definition: somewhere MIN_FRAGMENT letters and digits in a row,
 * separators aside, each three neighbours of which follow one another in
 * some form of a secret. A pass that says no where the definition says yes
 * would let a secret's fragment through unredacted.
 */
const SECRETS = ['sk-proj-Q7vT2mXw9LpK4sRb8NcY1hZe6UaJ3fGd', 'n3Jq_X8vLr2TmW-9sKpB4yHc7DfZa1QeGu6VoNi0tEx'];
const FORMS = SECRETS.flatMap((s) => secretForms(s));
const W = MIN_FRAGMENT;

function index(): FragmentIndex {
  const i = new FragmentIndex();
  for (const f of FORMS) i.add(f);
  return i;
}

/** The definition, read straight: every window of W letters and digits, every triple in it. */
function definition(text: string): boolean {
  const triples = new Set<string>();
  for (const f of FORMS) for (let i = 2; i < f.text.length; i++) triples.add(f.text.slice(i - 2, i + 1));
  const letters = canonical(text);
  for (let end = W - 1; end < letters.length; end++) {
    let all = true;
    for (let k = end - W + 3; k <= end && all; k++) all = triples.has(letters.slice(k - 2, k + 1));
    if (all) return true;
  }
  return false;
}

const SEPARATORS = [' ', '\n', '\r\n', '-', ':', 'ä', '  \t ', '\x1b[0m', '_'];
/** Text made of pieces of the forms (short enough that many do not make a streak), other letters and separators. */
const pieces = fc.array(
  fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: FORMS.length - 1 }), fc.nat(80), fc.integer({ min: 1, max: 10 })).map(([f, at, n]) => {
      const t = FORMS[f]!.text;
      return t.slice(at % t.length, (at % t.length) + n);
    }),
    fc.constantFrom(...SEPARATORS),
    fc.stringMatching(/^[A-Za-z0-9]{1,6}$/),
  ),
  { maxLength: 60 },
);
/** Where the redactor splits its text: its kept context, what it held, the new chunk. */
const splits = fc.tuple(fc.nat(), fc.nat());

function partsOf(text: string, [a, b]: [number, number]): string[] {
  const x = a % (text.length + 1);
  const y = x + (b % (text.length - x + 1));
  return [text.slice(0, x), text.slice(x, y), text.slice(y)];
}

describe('the redactor first pass (a sampled scan for a streak)', () => {
  const fragments = index();

  it('answers exactly as the definition, however the text is split into parts', () => {
    let streaks = 0;
    let runs = 0;
    fc.assert(
      fc.property(pieces, splits, (p, split) => {
        const text = p.join('');
        const expected = definition(text);
        runs++;
        if (expected) streaks++;
        expect(fragments.find(text).candidates).toBe(expected);
        expect(fragments.find(text, partsOf(text, split)).candidates).toBe(expected);
      }),
      { numRuns: 4000, seed: 20261205 },
    );
    // Both answers were exercised, not only one.
    expect(streaks).toBeGreaterThan(runs / 10);
    expect(streaks).toBeLessThan(runs * 0.9);
  });

  it('finds a streak wherever the samples fall: at each offset in a long chunk, across the parts, spread over lines', () => {
    const form = FORMS[0]!.text;
    const streak = form.slice(5, 5 + W);
    const filler = 'the quick brown fox jumps over the lazy dog; '.repeat(20);
    for (let offset = 0; offset < 2 * W; offset++) {
      const text = filler + 'x'.repeat(offset) + ' ' + streak + ' ' + filler;
      expect(fragments.find(text).candidates, `offset ${offset}`).toBe(true);
      // One letter per line, as `fold -w1` prints it.
      const spread = filler + 'x'.repeat(offset) + ' ' + [...streak].join('\n') + '\n' + filler;
      expect(fragments.find(spread).candidates, `spread, offset ${offset}`).toBe(true);
      // The streak begun in the context and finished in the chunk, at each cut.
      for (let cut = 1; cut < W; cut++) {
        const context = filler + streak.slice(0, cut);
        const chunk = streak.slice(cut) + filler;
        expect(fragments.find(context + chunk, [context, '', chunk]).candidates, `cut ${cut}`).toBe(true);
      }
      // W - 1 letters of it are not a streak.
      expect(fragments.find(filler + ' ' + streak.slice(0, W - 1) + ' ' + filler).candidates).toBe(
        definition(filler + ' ' + streak.slice(0, W - 1) + ' ' + filler),
      );
    }
  });
});
