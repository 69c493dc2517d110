/**
 * How much Markdown a streaming message parses per frame. A fast model sends
 * more text per frame than the page can parse in one (a 400 KB/s stream
 * brings 7 KB a frame, and every finished block passes through the visible
 * tail), so parsing all that is new makes the frame as long as the stream is
 * fast. Here a block is parsed from its second frame on the page, not in the
 * frame it arrives: a block that has already left the view by then (the
 * stream brought more than the view holds) is never parsed, and at a
 * reading pace the wait is one frame. Each frame parses at most a budget,
 * newest blocks first (the person looks at the bottom); the rest shows as
 * plain text for now and is parsed on the next frames. Blocks already parsed
 * stay as they are.
 */
import type { Segment } from './fold-view';

/** Characters of Markdown parsed per frame while a message streams (one block more when a single block is bigger). */
export const PARSE_BUDGET = 4_000;

export class ParseBudget {
  /** The Markdown blocks on the page: key → the text they were parsed from. */
  private parsed = new Map<string, string>();
  /** The Markdown blocks of the last frame, parsed or not. */
  private seen = new Set<string>();

  /**
   * This frame's segments: Markdown already parsed stays; Markdown seen on
   * the frame before, from the end, while the budget lasts; the rest plain.
   * `waiting`: some Markdown is still plain and wants another frame.
   */
  assign(segments: readonly Segment[], budget = PARSE_BUDGET): { segments: Segment[]; waiting: boolean; parsedChars: number } {
    const out = segments.slice();
    const kept = new Map<string, string>();
    const seen = new Set<string>();
    let left = budget;
    let waiting = false;
    for (let i = out.length - 1; i >= 0; i--) {
      const s = out[i]!;
      if (s.kind !== 'markdown') continue;
      seen.add(s.key);
      const done = this.parsed.get(s.key) === s.text;
      if (done || (this.seen.has(s.key) && (s.text.length <= left || left === budget))) {
        if (!done) left -= s.text.length;
        kept.set(s.key, s.text);
      } else {
        out[i] = { kind: 'plain', key: s.key, text: s.text };
        waiting = true;
      }
    }
    this.parsed = kept;
    this.seen = seen;
    return { segments: out, waiting, parsedChars: budget - left };
  }
}
