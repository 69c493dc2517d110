import { describe, expect, it } from 'vitest';
import { viewSegments, type Segment } from '../../src/renderer/src/chat/fold-view';
import { BlockSplitter } from '../../src/renderer/src/chat/markdown-blocks';
import { PARSE_AFTER_MS, PARSE_BUDGET, PARSE_SLICE_MS, ParseBudget } from '../../src/renderer/src/chat/parse-budget';
import { StreamText } from '../../src/renderer/src/chat/stream-text';
import { longAnswer } from '../support/long-answer';

const markdownOf = (segs: Segment[]) =>
  new Map(segs.filter((s) => s.kind === 'markdown').map((s) => [s.key, (s as { text: string }).text]));

/** A clock the test moves: frames 16 ms apart. */
function frameClock(msPerFrame = 16) {
  let t = 0;
  return { now: () => t, tick: (ms = msPerFrame) => (t += ms) };
}

/** Streams `text` in chunks of `chunk` characters (or `chunk(i)` on frame i), one frame each; per frame, the Markdown parsed anew. */
function stream(text: string, chunk: number | ((frame: number) => number)) {
  const split = new BlockSplitter();
  const clock = frameClock();
  const budget = new ParseBudget(clock.now);
  let t = StreamText.of('');
  let onPage = new Map<string, string>();
  const parsedPerFrame: number[] = [];
  const frame = (streaming: boolean) => {
    clock.tick();
    split.feed(t);
    const { segments, waiting } = budget.assign(viewSegments(t, split, { revealed: 0, all: false, streaming }));
    const now = markdownOf(segments);
    let parsed = 0;
    for (const [k, v] of now) if (onPage.get(k) !== v) parsed += v.length;
    parsedPerFrame.push(parsed);
    onPage = now;
    return { segments, waiting };
  };
  for (let at = 0, i = 0; at < text.length; i++) {
    const n = typeof chunk === 'number' ? chunk : chunk(i);
    t = t.append(text.slice(at, at + n));
    at += n;
    frame(true);
  }
  let last = frame(false);
  let extra = 0;
  while (last.waiting) {
    last = frame(false);
    extra++;
  }
  return { parsedPerFrame, last: last.segments, extra, split, t };
}

describe('Markdown parsed within a budget per frame while a message streams', () => {
  it('a fast stream parses at most the budget (or one block) per frame, however much came before', () => {
    const text = longAnswer(2_000_000);
    const { parsedPerFrame } = stream(text, 20_000);
    const biggest = Math.max(...parsedPerFrame);
    expect(biggest).toBeLessThanOrEqual(PARSE_BUDGET + 400);
    // The frames late in the stream parse no more than the early ones.
    const tenth = Math.floor(parsedPerFrame.length / 10);
    expect(Math.max(...parsedPerFrame.slice(-tenth))).toBeLessThanOrEqual(PARSE_BUDGET + 400);
  });

  it('once the stream ends and the waiting blocks had their frames, the page is what a one-shot render shows', () => {
    const text = longAnswer(300_000);
    const { last, extra, split, t } = stream(text, 9_000);
    expect(extra).toBeGreaterThan(0);
    expect(last).toEqual(viewSegments(t, split, { revealed: 0, all: false, streaming: false }));
  });

  it('a block parsed once is not parsed again on the frames after it', () => {
    const clock = frameClock();
    const budget = new ParseBudget(clock.now);
    const segs: Segment[] = [
      { kind: 'markdown', key: 'm0', text: 'a '.repeat(1500) },
      { kind: 'markdown', key: 'm3000', text: 'b '.repeat(1500) },
    ];
    // Its first frame on the page shows a block as plain text, and says when to look again.
    expect(budget.assign(segs)).toMatchObject({ waiting: true, wakeInMs: PARSE_AFTER_MS, parsedChars: 0 });
    clock.tick(PARSE_AFTER_MS);
    const second = budget.assign(segs);
    expect(second.segments.map((s) => s.kind)).toEqual(['plain', 'markdown']);
    expect(second).toMatchObject({ waiting: true, wakeInMs: 0 });
    clock.tick();
    const third = budget.assign(segs);
    expect(third.segments.map((s) => s.kind)).toEqual(['markdown', 'markdown']);
    expect(third.parsedChars).toBe(3000);
    clock.tick();
    const fourth = budget.assign(segs);
    expect(fourth).toMatchObject({ waiting: false, parsedChars: 0 });
  });

  it('a block is parsed only once it has been on the page for its second frame and PARSE_AFTER_MS', () => {
    const clock = frameClock();
    const budget = new ParseBudget(clock.now);
    const text = 'some **bold** text';
    const segs: Segment[] = [{ kind: 'markdown', key: 'm0', text }];
    expect(budget.assign(segs).segments[0]!.kind).toBe('plain');
    clock.tick(30);
    expect(budget.assign(segs)).toMatchObject({ waiting: true, wakeInMs: PARSE_AFTER_MS - 30 });
    clock.tick(PARSE_AFTER_MS - 30);
    expect(budget.assign(segs)).toMatchObject({ waiting: false, parsedChars: text.length });
  });

  it('with uneven frames, a fast stream parses nothing but the head: a block that stays one frame is not worth parsing', () => {
    // 400 KB/s in frames of 16 ms, but bunched as a loaded machine delivers it: 1 KB, then 12 KB.
    const text = longAnswer(2_000_000);
    const { parsedPerFrame } = stream(text, (i) => (i % 2 === 0 ? 1_000 : 12_000));
    const frames = Math.ceil(text.length / 6_500);
    // The head (12,000 characters) is parsed over its first frames; after that, nothing while the stream runs.
    expect(parsedPerFrame.slice(20, frames - 1).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('a stream faster than the view parses nothing that left the view within its first frame', () => {
    // 20,000 characters a frame: every block in the 4,000-character tail is new on each frame.
    const text = longAnswer(2_000_000);
    const { parsedPerFrame } = stream(text, 20_000);
    const streamingFrames = parsedPerFrame.slice(0, Math.ceil(text.length / 20_000));
    // The head (12,000 characters) is parsed once, within the budget, over its first frames (PARSE_AFTER_MS and 6 budgets); after that nothing.
    // (The last frame brings less than the view holds: what it kept from the frame before is parsed.)
    expect(streamingFrames.slice(20, -1).every((n) => n === 0)).toBe(true);
  });

  it('at a reading pace every block is parsed once it has been on the page for PARSE_AFTER_MS', () => {
    const text = longAnswer(20_000);
    const split = new BlockSplitter();
    const clock = frameClock();
    const budget = new ParseBudget(clock.now);
    let t = StreamText.of('');
    const since = new Map<string, number>();
    let parsed = 0;
    for (let at = 0; at < text.length; at += 40) {
      clock.tick();
      t = t.append(text.slice(at, at + 40));
      split.feed(t);
      const { segments } = budget.assign(viewSegments(t, split, { revealed: 0, all: false, streaming: true }));
      for (const s of segments) {
        if (s.kind === 'fold') continue;
        if (!since.has(s.key)) since.set(s.key, clock.now());
        // Markdown on the page for PARSE_AFTER_MS (two frames at least) is parsed now.
        if (clock.now() - since.get(s.key)! >= PARSE_AFTER_MS + 16) expect(s.kind, `block ${s.key} at ${at}`).toBe('markdown');
        if (s.kind === 'markdown') parsed++;
      }
      for (const k of since.keys()) if (!segments.some((s) => s.key === k)) since.delete(k);
    }
    expect(parsed).toBeGreaterThan(0);
  });

  it('given the parser, a frame stops parsing once it has taken its time slice, and a parsed block is never parsed again', () => {
    const clock = frameClock();
    const calls: string[] = [];
    // A slow parser (a busy machine, or the parser cold): each block takes 3 ms of the frame.
    const budget = new ParseBudget(clock.now, (text: string) => {
      calls.push(text);
      clock.tick(3);
      return `<${text}>`;
    });
    const segs: Segment[] = ['a', 'b', 'c', 'd', 'e'].map((x, i) => ({ kind: 'markdown', key: `m${i}`, text: `${x} **${x}**` }));
    budget.assign(segs);
    clock.tick(PARSE_AFTER_MS);
    const perFrame = Math.ceil(PARSE_SLICE_MS / 3);
    const first = budget.assign(segs);
    // Newest first, until the slice is spent (far under the character budget); the rest stays plain and asks for the next frame.
    expect(calls).toEqual(
      segs
        .slice(-perFrame)
        .map((s) => (s as { text: string }).text)
        .reverse(),
    );
    expect(first.segments.map((s) => s.kind)).toEqual([...Array(5 - perFrame).fill('plain'), ...Array(perFrame).fill('markdown')]);
    expect(first).toMatchObject({ waiting: true, wakeInMs: 0 });
    expect(first.parsed.get('m4')).toBe('<e **e**>');
    let frames = 1;
    for (let last = first; last.waiting; frames++) {
      clock.tick();
      last = budget.assign(segs);
      expect(last.parsed.size).toBe(last.segments.filter((s) => s.kind === 'markdown').length);
    }
    expect(frames).toBe(Math.ceil(5 / perFrame));
    // Every block parsed exactly once.
    expect(calls.slice().sort()).toEqual(segs.map((s) => (s as { text: string }).text).sort());
    clock.tick();
    expect(budget.assign(segs).parsedChars).toBe(0);
    expect(calls).toHaveLength(5);
  });

  it('one block bigger than the time slice is still parsed, alone in its frame', () => {
    const clock = frameClock();
    const budget = new ParseBudget(clock.now, (text: string) => {
      clock.tick(PARSE_SLICE_MS * 5);
      return text.length;
    });
    const segs: Segment[] = [
      { kind: 'markdown', key: 'm0', text: 'x' },
      { kind: 'markdown', key: 'm1', text: 'y' },
    ];
    budget.assign(segs);
    clock.tick(PARSE_AFTER_MS);
    expect(budget.assign(segs).segments.map((s) => s.kind)).toEqual(['plain', 'markdown']);
    clock.tick();
    expect(budget.assign(segs)).toMatchObject({ waiting: false, parsedChars: 1 });
  });
});
