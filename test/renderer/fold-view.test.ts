import { describe, expect, it } from 'vitest';
import {
  MARKDOWN_MAX_OPEN,
  VIEW_FOLD_OVER,
  VIEW_HEAD,
  VIEW_STEP,
  VIEW_TAIL,
  VIEW_TAIL_STREAMING,
  viewSegments,
  type Segment,
} from '../../src/renderer/src/chat/fold-view';
import { BlockSplitter, markdownBlocks } from '../../src/renderer/src/chat/markdown-blocks';
import { StreamText } from '../../src/renderer/src/chat/stream-text';

function paragraphs(n: number, size = 300): string {
  return Array.from({ length: n }, (_, i) => `Paragraph ${i} ${'word '.repeat(size / 5)}`.slice(0, size)).join('\n\n');
}

const shown = (segs: Segment[]) => segs.reduce((n, s) => n + (s.kind === 'fold' ? 0 : s.text.length), 0);

describe('the incremental block splitter', () => {
  it('fed a growing text chunk by chunk, finds the blocks of the whole text', () => {
    const text = `${paragraphs(40)}\n\n\`\`\`sh\na\n\nb\n\`\`\`\n\n\n- x\n- y\n\nend`;
    const split = new BlockSplitter();
    for (let at = 0; at <= text.length; at += 7) split.feed(text.slice(0, at));
    split.feed(text);
    const blocks = split.ends.map((e, i) => text.slice(split.startOf(i), e));
    blocks.push(text.slice(split.openStart));
    expect(blocks).toEqual(markdownBlocks(text));
  });

  it('starts over when the text was replaced rather than grown', () => {
    const split = new BlockSplitter();
    split.feed('one\n\ntwo\n\nthree');
    split.feed('other\n\ntext');
    expect(split.ends).toEqual([7]);
  });
});

describe('the page view of a message', () => {
  it('shows a short message whole, block by block', () => {
    const text = paragraphs(10);
    const split = new BlockSplitter();
    split.feed(text);
    const segs = viewSegments(text, split, { revealed: 0, all: false, streaming: false });
    expect(segs.every((s) => s.kind === 'markdown')).toBe(true);
    expect(segs.map((s) => (s.kind === 'fold' ? '' : s.text)).join('')).toBe(text);
  });

  it('folds a 5 MB message to a head and a tail of bounded size, ending with the last text', () => {
    const text = paragraphs(17_000) + '\n\nTHE END';
    expect(text.length).toBeGreaterThan(5_000_000);
    const split = new BlockSplitter();
    split.feed(text);
    const segs = viewSegments(text, split, { revealed: 0, all: false, streaming: true });
    expect(shown(segs)).toBeLessThanOrEqual(VIEW_HEAD + VIEW_TAIL);
    const fold = segs.find((s) => s.kind === 'fold');
    expect(fold && fold.kind === 'fold' && fold.hiddenChars + shown(segs)).toBe(text.length);
    expect(segs[0]).toMatchObject({ kind: 'markdown', text: expect.stringMatching(/^Paragraph 0 /) });
    expect(segs.at(-1)).toMatchObject({ kind: 'markdown', text: 'THE END' });
  });

  it('"show more" grows the head; "show all" shows every character', () => {
    const text = paragraphs(3000);
    const split = new BlockSplitter();
    split.feed(text);
    const more = viewSegments(text, split, { revealed: VIEW_STEP, all: false, streaming: false });
    expect(shown(more)).toBeGreaterThan(VIEW_STEP);
    expect(shown(more)).toBeLessThanOrEqual(VIEW_STEP + VIEW_HEAD + VIEW_TAIL);
    const all = viewSegments(text, split, { revealed: 0, all: true, streaming: false });
    expect(all.some((s) => s.kind === 'fold')).toBe(false);
    expect(all.map((s) => (s.kind === 'fold' ? '' : s.text)).join('')).toBe(text);
  });

  it('one giant block (no blank lines) is cut into plain head and tail, never parsed whole', () => {
    const text = 'x'.repeat(VIEW_FOLD_OVER * 4);
    const split = new BlockSplitter();
    split.feed(text);
    const segs = viewSegments(text, split, { revealed: 0, all: false, streaming: true });
    expect(segs.map((s) => s.kind)).toEqual(['plain', 'fold', 'plain']);
    // While it streams the tail is about a screenful; once finished, the whole tail.
    expect(shown(segs)).toBe(VIEW_HEAD + VIEW_TAIL_STREAMING);
    expect(shown(viewSegments(text, split, { revealed: 0, all: false, streaming: false }))).toBe(VIEW_HEAD + VIEW_TAIL);
  });

  it('the block still arriving is plain text once it is long, Markdown when finished', () => {
    const text = `intro\n\n${'y'.repeat(MARKDOWN_MAX_OPEN + 10)}`;
    const split = new BlockSplitter();
    split.feed(text);
    expect(viewSegments(text, split, { revealed: 0, all: false, streaming: true }).map((s) => s.kind)).toEqual(['markdown', 'plain']);
    expect(viewSegments(text, split, { revealed: 0, all: false, streaming: false }).map((s) => s.kind)).toEqual(['markdown', 'markdown']);
  });
});

describe('streamed text kept as pieces', () => {
  it('reads back every slice of what was appended, and older versions keep their length', () => {
    let t = StreamText.of('');
    let whole = '';
    const versions: Array<[StreamText, string]> = [];
    for (let i = 0; i < 3000; i++) {
      const piece = `${i}:${'ab'.repeat(i % 50)}\n`;
      t = t.append(piece);
      whole += piece;
      if (i % 500 === 0) versions.push([t, whole]);
    }
    expect(t.length).toBe(whole.length);
    for (const [a, b] of [
      [0, 10],
      [5, 9000],
      [whole.length - 100, whole.length],
      [12_345, 40_000],
    ] as const)
      expect(t.slice(a, b)).toBe(whole.slice(a, b));
    for (const [v, text] of versions) expect(v.toString()).toBe(text);
    // An older version that grows gets its own copy, not the newer text.
    const [old, oldText] = versions[1]!;
    expect(old.append('X').toString()).toBe(`${oldText}X`);
  });

  it('the splitter and the view read a StreamText as they read the string', () => {
    const text = paragraphs(400);
    let t = StreamText.of('');
    const split = new BlockSplitter();
    for (let at = 0; at < text.length; at += 997) {
      t = t.append(text.slice(at, at + 997));
      split.feed(t);
    }
    const ref = new BlockSplitter();
    ref.feed(text);
    expect(split.ends).toEqual(ref.ends);
    expect(viewSegments(t, split, { revealed: 0, all: false, streaming: true })).toEqual(
      viewSegments(text, ref, { revealed: 0, all: false, streaming: true }),
    );
  });
});
