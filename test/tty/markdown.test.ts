import { describe, expect, it } from 'vitest';
import { MarkdownStream, renderMarkdown } from '../../src/hosts/tty/markdown';
import { makeStyle } from '../../src/hosts/tty/style';

const plain = makeStyle(false);
const TEXT = [
  '# Title',
  'First paragraph',
  'continues here.',
  '',
  '```',
  'code line',
  '',
  'more code',
  '```',
  'After the fence.',
  '',
  '1. one',
  '2. two',
  '',
  '> quoted **bold**',
  '',
].join('\n');

describe('Markdown for terminals', () => {
  it('draws the same text whether it arrives whole or one character at a time', () => {
    const whole = new MarkdownStream(plain);
    const atOnce = whole.push(TEXT) + whole.flush();
    const stream = new MarkdownStream(plain);
    let pieces = '';
    for (const ch of TEXT) pieces += stream.push(ch);
    pieces += stream.flush();
    expect(pieces).toBe(atOnce);
    expect(pieces).toBe(`${renderMarkdown(TEXT, plain)}\n`);
  });

  it('holds a block back until it is complete, and never splits a code fence at its blank line', () => {
    const s = new MarkdownStream(plain);
    expect(s.push('Hello **wor')).toBe('');
    expect(s.push('ld**\n')).toBe('');
    expect(s.push('\n')).toBe('Hello world\n');
    expect(s.push('```\na\n\nb\n')).toBe('');
    expect(s.push('```\n')).toBe('\n    a\n    \n    b\n');
  });

  it('keeps links, strikes and escapes readable without colour', () => {
    expect(renderMarkdown('[docs](https://example.org) ~~old~~ a &lt; b \\*x\\*', plain)).toBe('docs (https://example.org) old a < b *x*');
  });
});
