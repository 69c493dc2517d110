import { describe, expect, it } from 'vitest';
import { makeSnippet, type SnippetOptions } from '../../src/core/memory/text';
import { mulberry32 } from '../../bench/lib/stats';

/**
 * Snippets mark terms without building a Unicode-class pattern per search
 * (compiling one cost V8 1-3 ms, more than the rest of a search). The marks
 * must be what that pattern gave: it is kept here as the reference.
 */
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
const CJK_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
function referenceMarks(text: string, needles: string[], options: SnippetOptions): string {
  const start = (needle: string): string =>
    options.wordStart && !CJK_RE.test(needle) ? `(?<![\\p{L}\\p{N}])${escapeRegExp(needle)}` : escapeRegExp(needle);
  const stems = [...new Set((options.stems ?? []).filter((s) => s.length > 0))];
  const parts = [
    ...stems.sort((a, b) => b.length - a.length).map((s) => `(?<![\\p{L}\\p{N}])${escapeRegExp(s)}[\\p{L}\\p{N}]*`),
    ...[...needles].sort((a, b) => b.length - a.length).map(start),
  ];
  if (parts.length === 0) return text;
  return text.replace(new RegExp(parts.join('|'), 'giu'), (m) => `[${m}]`);
}

// Short texts (under the snippet width, so the whole text is the snippet) over a small alphabet with
// case pairs, digits, accents, a combining mark that case-folds to a letter, CJK, emoji and punctuation.
const ALPHABET = [
  'a',
  'b',
  'A',
  'B',
  'ab',
  'ba',
  '1',
  'é',
  'É',
  'ß',
  'ſ',
  'K',
  '\u212a',
  '\u0345',
  'ι',
  '猫',
  '本',
  '😀',
  '𝐀',
  ' ',
  ' ',
  '-',
  '.',
  '*',
  '(',
  'İ',
];
const rnd = mulberry32(7);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const piece = (n: number): string => Array.from({ length: n }, () => pick(ALPHABET)).join('');

describe('snippet marks', () => {
  it('marks what one case-insensitive pattern with word-start lookbehinds marked, on random text', () => {
    let marked = 0;
    for (let i = 0; i < 1500; i++) {
      const text = piece(1 + Math.floor(rnd() * 30)).trim();
      if (text.length === 0) continue;
      const needles = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => piece(1 + Math.floor(rnd() * 3)).trim()).filter(
        (n) => n.length > 0 && !CJK_RE.test(n),
      );
      const stems = rnd() < 0.6 ? Array.from({ length: Math.floor(rnd() * 3) }, () => piece(1 + Math.floor(rnd() * 2)).trim()) : [];
      const options: SnippetOptions = { wordStart: rnd() < 0.7, stems, open: '[', close: ']', width: 1000 };
      const got = makeSnippet(text, needles, options);
      const want = referenceMarks(text.replace(/\s+/g, ' '), [...new Set(needles)], options);
      expect(got, JSON.stringify({ text, needles, options })).toBe(want);
      if (got.includes('[')) marked++;
    }
    expect(marked).toBeGreaterThan(300);
  });

  it('starts the window at the first place a term occurs where a word starts', () => {
    const text = `${'filler '.repeat(60)}xbackup then backups and Backup`;
    const s = makeSnippet(text, ['backups'], { wordStart: true, stems: ['backup'], width: 40 });
    expect(s).toMatch(/^….*then «backups» and «Backup»/);
    expect(s).not.toContain('x«');
  });
});
