import { describe, expect, it } from 'vitest';
import { outputTail } from '../../src/renderer/src/chat/format';
import { codeSpan, escapeMarkdown, formatCommandLog, formatMemories } from '../../src/renderer/src/chat/lists';

describe('/history and /memory as Markdown', () => {
  it('a code span holds any backticks and keeps pipes from breaking the table', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('``x``')).toBe('``` ``x`` ```');
    expect(codeSpan('a|b')).toBe('`a\\|b`');
    expect(codeSpan('two\nlines')).toBe('`two ⏎ lines`');
  });

  it('escapes markup in plain text', () => {
    expect(escapeMarkdown('*x* [l](u) <b>')).toBe('\\*x\\* \\[l\\](u) \\<b\\>');
  });

  it('history is a table with one row per command; memories a list', () => {
    const md = formatCommandLog(
      {
        problem: null,
        items: [
          { command: 'ls | wc -l', decision: 'auto_allow', exitCode: 0, durationMs: 12, startedAt: '2026-11-29T10:00:00+00:00', cwd: '/' },
        ],
      },
      'ls',
    );
    const lines = md.split('\n');
    expect(lines[2]).toBe('| when | decision | result | command | took |');
    expect(lines[4]).toMatch(/^\| .+ \| auto-allowed \| exit 0 \| `ls \\\| wc -l` \| 12 ms \|$/);
    expect(formatMemories({ problem: null, items: [{ id: 'x', content: 'tea', createdAt: '2026-11-29T10:00:00+00:00' }] }, '')).toMatch(
      /^\*\*Recent memories:\*\*\n\n- .+ · tea$/,
    );
    expect(formatMemories({ problem: null, items: [] }, 'zeppelins')).toBe('No memory matches “zeppelins”.');
  });
});

describe('folded command output', () => {
  it('keeps the last lines across chunks and streams, and counts them all', () => {
    const chunks = [
      { stream: 'stdout' as const, data: 'a\nb\nc' },
      { stream: 'stderr' as const, data: 'd\ne\n' },
      { stream: 'stdout' as const, data: 'f\ng\n' },
    ];
    const t = outputTail(chunks, 3);
    expect(t.total).toBe(6);
    expect(t.hidden).toBe(3);
    expect(t.chunks).toEqual([
      { stream: 'stderr', data: 'e\n' },
      { stream: 'stdout', data: 'f\ng\n' },
    ]);
    expect(
      outputTail(chunks, 4)
        .chunks.map((c) => c.data)
        .join(''),
    ).toBe('cd\ne\nf\ng\n');
    expect(outputTail(chunks, 10)).toMatchObject({ total: 6, hidden: 0 });
    expect(outputTail([{ stream: 'stdout', data: 'x\ny' }], 1)).toEqual({ chunks: [{ stream: 'stdout', data: 'y' }], total: 2, hidden: 1 });
  });
});
