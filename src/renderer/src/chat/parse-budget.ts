/**
 * How much Markdown a streaming message parses per frame. A fast model sends
 * more text per frame than the page can parse in one (a 400 KB/s stream
 * brings 7 KB a frame, and every finished block passes through the visible
 * tail), so parsing all that is new makes the frame as long as the stream is
 * fast. Here each frame parses at most a budget, newest blocks first (the
 * person looks at the bottom); the rest shows as plain text for now and is
 * parsed on the next frames. Blocks already parsed stay as they are; a block
 * that leaves the view before its turn is never parsed.
 */
import type { Segment } from './fold-view';

/** Characters of Markdown parsed per frame while a message streams (one block more when a single block is bigger). */
export const PARSE_BUDGET = 4_000;

export class ParseBudget {
  /** The Markdown blocks on the page: key → the text they were parsed from. */
  private parsed = new Map<string, string>();

  /**
   * This frame's segments: Markdown already parsed stays; new Markdown,
   * from the end, while the budget lasts; the rest plain. `waiting`: some
   * Markdown is still plain and wants another frame.
   */
  assign(segments: readonly Segment[], budget = PARSE_BUDGET): { segments: Segment[]; waiting: boolean; parsedChars: number } {
    const out = segments.slice();
    const kept = new Map<string, string>();
    let left = budget;
    let waiting = false;
    for (let i = out.length - 1; i >= 0; i--) {
      const s = out[i]!;
      if (s.kind !== 'markdown') continue;
      if (this.parsed.get(s.key) === s.text || s.text.length <= left || left === budget) {
        if (this.parsed.get(s.key) !== s.text) left -= s.text.length;
        kept.set(s.key, s.text);
      } else {
        out[i] = { kind: 'plain', key: s.key, text: s.text };
        waiting = true;
      }
    }
    this.parsed = kept;
    return { segments: out, waiting, parsedChars: budget - left };
  }
}
