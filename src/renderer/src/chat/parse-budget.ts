/**
 * How much Markdown a streaming message parses, and when. A fast model sends
 * more text than the view holds (a 400 KB/s stream brings 7 KB a frame
 * against a 4 KB tail), so a block parsed as it arrives has often left the
 * view by the next frame: the parse was wasted, and it made the frames as
 * long as the stream is fast. Here a block is parsed once it has stayed on
 * the page for two frames and PARSE_AFTER_MS: a block that the stream
 * pushes out of the view sooner is never parsed, and at a reading pace a
 * new block shows as plain text for a few frames before it is formatted.
 * Each frame parses at most a budget, newest blocks first (the person looks
 * at the bottom); the rest shows as plain text for now and is parsed on the
 * next frames. Blocks already parsed stay as they are.
 *
 * Given the parser itself, the budget parses here and keeps what each block
 * became, and it is also a time slice: parsing stops for this frame once it
 * has taken PARSE_SLICE_MS. Counting characters alone let a frame parse for
 * 5 ms on a quiet machine and 20 ms on a busy one (or with the parser cold),
 * which is where a streaming page's longest frames came from.
 */
import type { Segment } from './fold-view';

/**
 * Characters of Markdown parsed per frame while a message streams (one block
 * more when a single block is bigger): about 5 ms with the parser warm, 10-20
 * ms cold or on a busy machine.
 */
export const PARSE_BUDGET = 2_000;
/** How long a block stays on the page as plain text before it is parsed. */
export const PARSE_AFTER_MS = 80;
/** Main-thread time one frame spends parsing (then the rest waits for the next frame); one block is parsed whatever it takes. */
export const PARSE_SLICE_MS = 4;

export interface Assigned<T = never> {
  segments: Segment[];
  /** What each Markdown segment (by key) was parsed into, when the budget was given the parser. */
  parsed: ReadonlyMap<string, T>;
  /** Some Markdown is still plain: call again in `wakeInMs` (0: the next frame). */
  waiting: boolean;
  wakeInMs: number;
  parsedChars: number;
}

interface Done<T> {
  text: string;
  tree: T | undefined;
}

export class ParseBudget<T = never> {
  /** The Markdown blocks on the page: key → the text they were parsed from (and what it became). */
  private parsed = new Map<string, Done<T>>();
  /** The Markdown blocks of the last frame, parsed or not: key → when it came on the page. */
  private seen = new Map<string, number>();

  constructor(
    private readonly now: () => number = () => performance.now(),
    /** The parser: without it the caller parses what comes back as Markdown (and only characters are counted). */
    private readonly parse?: (text: string) => T,
    private readonly sliceMs = PARSE_SLICE_MS,
  ) {}

  /**
   * Parses a block now, outside a frame (the page's idle time): the next
   * assign() that finds it on the page shows it formatted without charging
   * the frame.
   */
  prepare(key: string, text: string): void {
    if (this.parsed.get(key)?.text !== text) this.parsed.set(key, { text, tree: this.parse?.(text) });
  }

  /**
   * This frame's segments: Markdown already parsed stays; Markdown on the
   * page since the frame before and for PARSE_AFTER_MS, from the end, while
   * the budget lasts; the rest plain. Markdown before index `heldBefore`
   * that is not parsed yet stays plain and is not waited for (it is parsed
   * once a later call no longer holds it).
   */
  assign(segments: readonly Segment[], budget = PARSE_BUDGET, heldBefore = 0): Assigned<T> {
    const now = this.now();
    const out = segments.slice();
    const kept = new Map<string, Done<T>>();
    const trees = new Map<string, T>();
    const seen = new Map<string, number>();
    let left = budget;
    let wakeInMs = Number.POSITIVE_INFINITY;
    for (let i = out.length - 1; i >= 0; i--) {
      const s = out[i]!;
      if (s.kind !== 'markdown') continue;
      const since = this.seen.get(s.key);
      seen.set(s.key, since ?? now);
      const before = this.parsed.get(s.key);
      const done = before?.text === s.text;
      const due = since !== undefined && now - since >= PARSE_AFTER_MS;
      // The first block of a frame is parsed whatever its size; after it, while characters and time are left.
      const first = left === budget;
      if (!done && i < heldBefore) {
        out[i] = { kind: 'plain', key: s.key, text: s.text };
        continue;
      }
      if (done || (due && (first || (s.text.length <= left && this.now() - now < this.sliceMs)))) {
        const block = done ? before : { text: s.text, tree: this.parse?.(s.text) };
        if (!done) left -= s.text.length;
        kept.set(s.key, block);
        if (block.tree !== undefined) trees.set(s.key, block.tree);
      } else {
        out[i] = { kind: 'plain', key: s.key, text: s.text };
        // Out of budget: the next frame; too new: when it is due (and not before its second frame).
        wakeInMs = Math.min(wakeInMs, due ? 0 : Math.max(0, (since ?? now) + PARSE_AFTER_MS - now));
      }
    }
    this.parsed = kept;
    this.seen = seen;
    const waiting = wakeInMs !== Number.POSITIVE_INFINITY;
    return { segments: out, parsed: trees, waiting, wakeInMs: waiting ? wakeInMs : 0, parsedChars: budget - left };
  }
}
