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

export interface Assigned {
  segments: Segment[];
  /** Some Markdown is still plain: call again in `wakeInMs` (0: the next frame). */
  waiting: boolean;
  wakeInMs: number;
  parsedChars: number;
}

export class ParseBudget {
  /** The Markdown blocks on the page: key → the text they were parsed from. */
  private parsed = new Map<string, string>();
  /** The Markdown blocks of the last frame, parsed or not: key → when it came on the page. */
  private seen = new Map<string, number>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * This frame's segments: Markdown already parsed stays; Markdown on the
   * page since the frame before and for PARSE_AFTER_MS, from the end, while
   * the budget lasts; the rest plain.
   */
  assign(segments: readonly Segment[], budget = PARSE_BUDGET): Assigned {
    const now = this.now();
    const out = segments.slice();
    const kept = new Map<string, string>();
    const seen = new Map<string, number>();
    let left = budget;
    let wakeInMs = Number.POSITIVE_INFINITY;
    for (let i = out.length - 1; i >= 0; i--) {
      const s = out[i]!;
      if (s.kind !== 'markdown') continue;
      const since = this.seen.get(s.key);
      seen.set(s.key, since ?? now);
      const done = this.parsed.get(s.key) === s.text;
      const due = since !== undefined && now - since >= PARSE_AFTER_MS;
      if (done || (due && (s.text.length <= left || left === budget))) {
        if (!done) left -= s.text.length;
        kept.set(s.key, s.text);
      } else {
        out[i] = { kind: 'plain', key: s.key, text: s.text };
        // Out of budget: the next frame; too new: when it is due (and not before its second frame).
        wakeInMs = Math.min(wakeInMs, due ? 0 : Math.max(0, (since ?? now) + PARSE_AFTER_MS - now));
      }
    }
    this.parsed = kept;
    this.seen = seen;
    const waiting = wakeInMs !== Number.POSITIVE_INFINITY;
    return { segments: out, waiting, wakeInMs: waiting ? wakeInMs : 0, parsedChars: budget - left };
  }
}
