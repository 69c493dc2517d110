import { describe, expect, it } from 'vitest';
import { ansiRuns, collapseCarriageReturns, lineBlocks, paletteColor } from '../../src/renderer/src/chat/ansi';

describe('ANSI output', () => {
  it('turns SGR colours into classes and drops the escape codes', () => {
    const runs = ansiRuns('ok \x1b[1;31mfailed\x1b[0m done');
    expect(runs.map((r) => r.text).join('')).toBe('ok failed done');
    expect(runs.find((r) => r.text === 'failed')).toMatchObject({ className: 'ansi-red-fg ansi-bold' });
    expect(runs.some((r) => r.text.includes('\x1b'))).toBe(false);
  });

  it('renders 256-colour and true-colour as computed colours', () => {
    const runs = ansiRuns('\x1b[38;5;196mA\x1b[0m\x1b[48;2;10;20;30mB\x1b[0m\x1b[38;5;9mC');
    expect(runs.find((r) => r.text === 'A')?.color).toBe(paletteColor(196));
    expect(runs.find((r) => r.text === 'B')?.background).toBe('rgb(10, 20, 30)');
    expect(runs.find((r) => r.text === 'C')?.className).toBe('ansi-bright-red-fg');
    expect(paletteColor(232)).toBe('rgb(8, 8, 8)');
    expect(paletteColor(16)).toBe('rgb(0, 0, 0)');
  });

  it('keeps what a progress line finally says', () => {
    expect(collapseCarriageReturns('10%\r50%\r100%\ndone\r\n')).toBe('100%\ndone\n');
    expect(collapseCarriageReturns('a\rb\r')).toBe('b');
  });

  it('splits into stable blocks of whole lines', () => {
    const text = Array.from({ length: 250 }, (_, i) => `line ${i}\n`).join('') + 'partial';
    const blocks = lineBlocks(text, 100);
    expect(blocks).toHaveLength(3);
    expect(blocks.join('')).toBe(text);
    expect(lineBlocks(text + ' more', 100).slice(0, 2)).toEqual(blocks.slice(0, 2));
  });
});

describe('Markdown blocks', () => {
  it('splits at blank lines but never inside a fence, losing nothing', async () => {
    const { markdownBlocks } = await import('../../src/renderer/src/chat/markdown-blocks');
    const text = '# Title\n\npara one\nstill one\n\n```bash\necho a\n\necho b\n```\n\n- item\n\n\nlast';
    const blocks = markdownBlocks(text);
    expect(blocks.join('')).toBe(text);
    expect(blocks).toEqual(['# Title\n\n', 'para one\nstill one\n\n', '```bash\necho a\n\necho b\n```\n\n', '- item\n\n\n', 'last']);
    // Growing text only changes the last block.
    const grown = markdownBlocks(text + ' word');
    expect(grown.slice(0, -1)).toEqual(blocks.slice(0, -1));
    expect(markdownBlocks('~~~\nopen fence\n\nstill code')).toEqual(['~~~\nopen fence\n\nstill code']);
    expect(markdownBlocks('')).toEqual([]);
    expect(markdownBlocks('a\n\n')).toEqual(['a\n\n']);
  });
});
