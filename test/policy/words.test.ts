import { describe, expect, it } from 'vitest';
import { joinContinuations, lexCommands } from '../../src/core/policy/shell/lexer';
import { decodeAnsiC, expandWord, type RawWord } from '../../src/core/policy/shell/words';
import { CTX, shippedEngine } from '../support/policy';

const unquoted = (s: string): RawWord => [...s].map((c) => ({ c, q: false }));
const texts = (s: string, home?: string): string[] => expandWord(unquoted(s), home ? { home } : {}).map((a) => a.text);

describe('words', () => {
  it("decodes $'…' like bash", () => {
    expect(decodeAnsiC("a\\x41\\101\\u00e9\\n\\t\\\\\\'")).toBe("aAAé\n\t\\'");
    expect(decodeAnsiC('\\cA\\e\\q')).toBe('\x01\x1b\\q');
  });

  it('expands braces: lists, sequences, nesting, zero padding; leaves {x} and {} alone', () => {
    expect(texts('/{bin,etc}')).toEqual(['/bin', '/etc']);
    expect(texts('{a,b}{1,2}')).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(texts('x{1..3}')).toEqual(['x1', 'x2', 'x3']);
    expect(texts('{3..1}')).toEqual(['3', '2', '1']);
    expect(texts('{01..03}')).toEqual(['01', '02', '03']);
    expect(texts('{a..e..2}')).toEqual(['a', 'c', 'e']);
    expect(texts('{a,{b,c}}')).toEqual(['a', 'b', 'c']);
    expect(texts('{x}')).toEqual(['{x}']);
    expect(texts('{}')).toEqual(['{}']);
    expect(texts('a{,b}')).toEqual(['a', 'ab']);
  });

  it('does not expand quoted braces', () => {
    const word: RawWord = [...'{a,b}'].map((c) => ({ c, q: true }));
    expect(expandWord(word, {}).map((a) => a.text)).toEqual(['{a,b}']);
  });

  it('expands a leading ~ when the home is known and marks it otherwise', () => {
    expect(texts('~/x', '/home/me')).toEqual(['/home/me/x']);
    expect(expandWord(unquoted('~/x'), {})[0]).toMatchObject({ text: '~/x', tilde: true });
    expect(expandWord(unquoted('~root/x'), { home: '/home/me' })[0]).toMatchObject({ tilde: true });
    expect(texts('a~', '/home/me')).toEqual(['a~']);
  });

  it('marks unquoted glob characters', () => {
    expect(expandWord(unquoted('*.txt'), {})[0]?.glob).toBe(true);
    expect(
      expandWord(
        [...'*.txt'].map((c) => ({ c, q: true })),
        {},
      )[0]?.glob,
    ).toBe(false);
  });

  it('reads what the parser sees in quotes, escapes and concatenations', async () => {
    const engine = await shippedEngine();
    const argv = (line: string): string[] | undefined => engine.decide(line, CTX).segments[0]?.argv;
    expect(argv(`x 'a b' "c d" e\\ f g"h"'i' $'\\x41' "\\$x" '\\$x'`)).toEqual(['x', 'a b', 'c d', 'e f', 'ghi', 'A', '$x', '\\$x']);
    expect(argv('x "a$HOME" $HOME')).toEqual(['x', 'a$HOME', '$HOME']);
  });
});

describe('the word-by-word reader for text the grammar cannot parse', () => {
  const words = (text: string): string[][] => lexCommands(text).map((cmd) => cmd.map((w) => w.map((t) => ('c' in t ? t.c : '$')).join('')));

  it('splits on operators, drops reserved words, assignments and redirection targets', () => {
    expect(words('if a; then X=1 b c > out 2>&1; fi | d')).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('reads inside $(…) and backticks, skips comments and heredoc bodies', () => {
    expect(words('a "$(b c)" `d` # e\nf <<EOF\nnot code\nEOF\ng')).toEqual([['b', 'c'], ['d'], ['a', '$', '$'], ['f'], ['g']]);
  });

  it("knows $'…' and case patterns inside $(…)", () => {
    expect(words("x $'a\\x41' $(case y in y) z ;; esac)")).toEqual([['y', 'in', 'y'], ['z'], ['x', 'aA', '$']]);
  });
});

describe('line continuations', () => {
  it('are removed as bash does, except in single quotes, comments and heredoc bodies', () => {
    expect(joinContinuations('r\\\nm -rf /')).toBe('rm -rf /');
    expect(joinContinuations('echo \'a\\\nb\' "c\\\nd"')).toBe('echo \'a\\\nb\' "cd"');
    expect(joinContinuations('ls # x \\\nrm y')).toBe('ls # x \\\nrm y');
    expect(joinContinuations("cat <<'E'\na\\\nb\nE\nx\\\ny")).toBe("cat <<'E'\na\\\nb\nE\nxy");
    expect(joinContinuations('cat <<E\na\\\nb\nE\n')).toBe('cat <<E\nab\nE\n');
  });
});
