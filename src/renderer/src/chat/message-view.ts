/**
 * What one message's view shows on each render: its blocks (split as the
 * text grows), folded to a head and a tail, with Markdown parsed within the
 * parse budget.
 *
 * A message that streams faster than anyone reads (a render in the last
 * FAST_HOLD_MS brought more than the streaming tail holds, as a fast model
 * or a host catching up does) is viewed as such while that lasts:
 * - it folds at its head and streaming tail (VIEW_FOLD_OVER_FAST) instead
 *   of at VIEW_FOLD_OVER, so its first frames do not lay out a growing
 *   48 KB of text, each frame more than the one before; a frame lays out
 *   at most the tail's worth of new text, early in the answer as late;
 * - its head, out of view while the page follows the end, is not parsed in
 *   the frames of the stream (its first frames already hold the page's
 *   heaviest work: the row's first layout, the code's first runs) but in
 *   the page's idle time between them (parseHeld), or once the stream ends.
 * At a reading pace nothing changes: a render brings a few characters, the
 * message folds at VIEW_FOLD_OVER, and every block is parsed once it has
 * stayed on the page (its head long before the message folds). Once the
 * stream ends the view is the same as a one-shot render's.
 */
import { VIEW_FOLD_OVER_FAST, VIEW_TAIL_STREAMING, viewSegments, type Segment } from './fold-view';
import { BlockSplitter } from './markdown-blocks';
import { ParseBudget, type Assigned } from './parse-budget';
import type { TextLike } from './stream-text';

/** A held block longer than this waits for the stream's end: parsing it could outlast an idle period. */
export const IDLE_PARSE_MAX = 2_000;

/** How long one render that brought more than the streaming tail keeps a message's view fast. */
export const FAST_HOLD_MS = 1_000;

export interface MessageViewOptions {
  revealed: number;
  all: boolean;
  streaming: boolean;
}

export class MessageView<T = never> {
  private readonly split = new BlockSplitter();
  /** Null for a message shown whole at once (restored, short): its Markdown is parsed as it renders. */
  private readonly budget: ParseBudget<T> | null;
  private lastLength = 0;
  private fastUntil = Number.NEGATIVE_INFINITY;
  private fast = false;
  /** Head blocks the last render held back unparsed, top first. */
  private held: Segment[] = [];

  constructor(
    streaming: boolean,
    private readonly now: () => number = () => performance.now(),
    parse?: (text: string) => T,
  ) {
    this.budget = streaming ? new ParseBudget(now, parse) : null;
  }

  /** Whether the last render viewed the message as streaming faster than anyone reads. */
  get streamsFast(): boolean {
    return this.fast;
  }

  /** Whether held blocks are waiting for parseHeld(). */
  get hasHeld(): boolean {
    return this.held.length > 0;
  }

  /**
   * Parses the next held block (for the page's idle time); the next render
   * shows it formatted. False when none is left.
   */
  parseHeld(): boolean {
    const s = this.held.shift();
    if (!s || s.kind !== 'markdown' || !this.budget) return false;
    this.budget.prepare(s.key, s.text);
    return true;
  }

  render(text: TextLike, o: MessageViewOptions): Assigned<T> {
    this.split.feed(text);
    const now = this.now();
    if (o.streaming && text.length - this.lastLength > VIEW_TAIL_STREAMING) this.fastUntil = now + FAST_HOLD_MS;
    this.lastLength = text.length;
    const fast = (this.fast = o.streaming && now < this.fastUntil);
    const segments = viewSegments(text, this.split, { ...o, ...(fast ? { foldOver: VIEW_FOLD_OVER_FAST } : {}) });
    if (!this.budget) return { segments, parsed: new Map(), waiting: false, wakeInMs: 0, parsedChars: 0 };
    const heldBefore = fast ? headEnd(segments) : 0;
    const r = this.budget.assign(segments, undefined, heldBefore);
    this.held = segments
      .slice(0, heldBefore)
      .filter((s, i) => s.kind === 'markdown' && r.segments[i]!.kind === 'plain' && s.text.length <= IDLE_PARSE_MAX);
    return r;
  }
}

/** Index of the fold (the segments before it are the head), or 0 when the message is not folded. */
function headEnd(segments: readonly Segment[]): number {
  const i = segments.findIndex((s) => s.kind === 'fold');
  return i === -1 ? 0 : i;
}
