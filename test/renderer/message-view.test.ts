import { describe, expect, it } from 'vitest';
import {
  VIEW_FOLD_OVER,
  VIEW_FOLD_OVER_FAST,
  VIEW_TAIL_STREAMING,
  viewSegments,
  type Segment,
} from '../../src/renderer/src/chat/fold-view';
import { BlockSplitter } from '../../src/renderer/src/chat/markdown-blocks';
import { FAST_HOLD_MS, IDLE_PARSE_MAX, MessageView } from '../../src/renderer/src/chat/message-view';
import { PARSE_AFTER_MS } from '../../src/renderer/src/chat/parse-budget';
import { StreamText } from '../../src/renderer/src/chat/stream-text';
import { longAnswer } from '../support/long-answer';

/** The text of each segment on the page (not the fold), by key. */
const onPage = (segs: Segment[]) => new Map(segs.flatMap((s) => (s.kind === 'fold' ? [] : [[s.key, s.text] as const])));

/**
 * Streams `text` into one message view, `chunk(i)` characters on frame i
 * (16 ms apart), then renders it ended until nothing waits. Per frame: the
 * characters on the page that were not there the frame before (what the
 * browser lays out anew), and the blocks parsed.
 */
function stream(text: string, chunk: (frame: number) => number, idle?: (view: MessageView<string>, frame: number) => void) {
  let t = 0;
  const parsed: string[] = [];
  const view = new MessageView<string>(
    true,
    () => t,
    (s) => {
      parsed.push(s);
      return s;
    },
  );
  let shown = new Map<string, string>();
  let text$ = StreamText.of('');
  const frames: Array<{ length: number; newChars: number; segments: Segment[]; parsed: number; fast: boolean }> = [];
  const frame = (streaming: boolean) => {
    t += 16;
    const before = parsed.length;
    const r = view.render(text$, { revealed: 0, all: false, streaming });
    const now = onPage(r.segments);
    let newChars = 0;
    for (const [k, v] of now) if (shown.get(k) !== v) newChars += v.length;
    shown = now;
    frames.push({ length: text$.length, newChars, segments: r.segments, parsed: parsed.length - before, fast: view.streamsFast });
    return r;
  };
  for (let at = 0, i = 0; at < text.length; i++) {
    const n = chunk(i);
    text$ = text$.append(text.slice(at, at + n));
    at += n;
    frame(true);
    idle?.(view, i);
  }
  const streamed = frames.length;
  while (frame(false).waiting);
  return { frames, streamed, parsed, text: text$ };
}

/** New characters on the page per frame, of the frames that hold more than the fast fold (the first such frame lays out its head). */
const pastHead = (frames: Array<{ length: number; newChars: number }>) =>
  frames
    .filter((f) => f.length > VIEW_FOLD_OVER_FAST)
    .slice(1)
    .map((f) => f.newChars);

describe('the view of a message that streams faster than anyone reads', () => {
  it('folds at its head and tail, and lays out at most the streaming tail of new text per frame, before the usual fold as after', () => {
    // 400 KB/s at 60 frames a second: 7 KB a frame.
    const { frames, streamed } = stream(longAnswer(300_000), () => 7_000);
    const streaming = frames.slice(0, streamed);
    expect(streaming.every((f) => f.fast)).toBe(true);
    expect(frames.at(-1)!.fast).toBe(false);
    for (const f of streaming) expect(f.segments.some((s) => s.kind === 'fold')).toBe(f.length > VIEW_FOLD_OVER_FAST);
    // Frames below the usual fold count too (the tail starts at the first block boundary inside it).
    expect(streaming.filter((f) => f.length > VIEW_FOLD_OVER_FAST && f.length < VIEW_FOLD_OVER).length).toBeGreaterThan(2);
    expect(Math.max(...pastHead(streaming))).toBeLessThanOrEqual(VIEW_TAIL_STREAMING);
  });

  it('lays out no more when the text comes in bursts, as from a host catching up', () => {
    const { frames, streamed } = stream(longAnswer(400_000), (i) => (i === 9 ? 90_000 : i % 2 === 0 ? 1_000 : 12_000));
    expect(Math.max(...pastHead(frames.slice(0, streamed)))).toBeLessThanOrEqual(VIEW_TAIL_STREAMING);
  });

  it('parses nothing in its frames while it streams (the head waits for idle time or the end); then the page is what a one-shot render shows', () => {
    const text = longAnswer(300_000);
    const { frames, streamed, parsed, text: t } = stream(text, () => 7_000);
    const head = text.slice(0, VIEW_FOLD_OVER_FAST);
    const parsedWhileStreaming = frames.slice(0, streamed).reduce((n, f) => n + f.parsed, 0);
    expect(parsedWhileStreaming).toBe(0);
    // After the end: every block on the page parsed (the head among them), each once.
    const last = frames.at(-1)!.segments;
    const split = new BlockSplitter();
    split.feed(t);
    expect(last).toEqual(viewSegments(t, split, { revealed: 0, all: false, streaming: false }));
    expect(parsed.some((p) => head.startsWith(p))).toBe(true);
    expect(last.filter((s) => s.kind === 'markdown').length).toBe(parsed.length);
  });
});

describe('the head a fast stream holds back', () => {
  it('is parsed in idle time (parseHeld), one block at a time, and shows formatted from the next render, parsed once', () => {
    const text = longAnswer(300_000);
    let idleParses = 0;
    // From frame 10 on, the page has an idle moment after each frame for two blocks.
    const { frames, streamed, parsed } = stream(
      text,
      () => 7_000,
      (view, i) => {
        if (i < 10) return;
        for (let k = 0; k < 2 && view.parseHeld(); k++) idleParses++;
      },
    );
    const streaming = frames.slice(0, streamed);
    // Nothing parsed in a frame while it streams; the head parsed in idle time instead.
    expect(streaming.reduce((n, f) => n + f.parsed, 0)).toBe(0);
    expect(idleParses).toBeGreaterThan(10);
    const last = streaming.at(-1)!.segments;
    const head = last.slice(
      0,
      last.findIndex((s) => s.kind === 'fold'),
    );
    expect(head.filter((s) => s.kind !== 'fold' && s.text.length <= IDLE_PARSE_MAX).every((s) => s.kind === 'markdown')).toBe(true);
    // Each block parsed once: the end parses only what idle time did not.
    const keys = new Set(
      frames
        .at(-1)!
        .segments.filter((s) => s.kind === 'markdown')
        .map((s) => s.key),
    );
    expect(parsed.length).toBe(keys.size);
  });
});

describe('the view of a message streamed at a reading pace', () => {
  it('is as it was: whole until VIEW_FOLD_OVER, every block parsed once it stayed PARSE_AFTER_MS, the head before the fold', () => {
    // 60 characters a frame (3.6 KB/s, a fast reader's pace at most) up to a little past the fold.
    const text = longAnswer(VIEW_FOLD_OVER + 6_000);
    const { frames, streamed } = stream(text, () => 60);
    const streaming = frames.slice(0, streamed);
    expect(streaming.some((f) => f.fast)).toBe(false);
    for (const f of streaming) expect(f.segments.some((s) => s.kind === 'fold')).toBe(f.length > VIEW_FOLD_OVER);
    // The frame the fold appears: its head is Markdown already (parsed long before).
    const folded = streaming.find((f) => f.segments.some((s) => s.kind === 'fold'))!;
    const head = folded.segments.slice(
      0,
      folded.segments.findIndex((s) => s.kind === 'fold'),
    );
    expect(head.length).toBeGreaterThan(0);
    expect(head.every((s) => s.kind === 'markdown')).toBe(true);
    expect(PARSE_AFTER_MS).toBeLessThan(1_000);
  });

  it('after a burst (a host catching up), a stream back at a reading pace is viewed as one again within FAST_HOLD_MS', () => {
    const text = longAnswer(VIEW_FOLD_OVER + 6_000);
    // 20 KB at once, then 60 characters a frame.
    const { frames, streamed } = stream(text, (i) => (i === 0 ? 20_000 : 60));
    const streaming = frames.slice(0, streamed);
    expect(streaming[0]!.fast).toBe(true);
    const settled = streaming.slice(Math.ceil(FAST_HOLD_MS / 16) + 1);
    expect(settled.length).toBeGreaterThan(100);
    expect(settled.every((f) => !f.fast)).toBe(true);
    // Whole again until VIEW_FOLD_OVER, and the blocks of the burst (the head among them) parsed while it streams.
    for (const f of settled) expect(f.segments.some((s) => s.kind === 'fold')).toBe(f.length > VIEW_FOLD_OVER);
    expect(settled.reduce((n, f) => n + f.parsed, 0)).toBeGreaterThan(0);
    const firstBlock = settled.at(-1)!.segments[0]!;
    expect(firstBlock.kind).toBe('markdown');
  });
});
