/**
 * What of a long message is on the page: a short message whole; a long one
 * as its head, a fold saying how much is not shown, and its tail. Each piece
 * is a Markdown block (parsed once, memoised) or plain text (a block too big
 * to parse, or cut by the fold). The pieces depend only on the head and the
 * tail, so a streaming answer costs the same per chunk at 5 MB as at 5 KB.
 */
import type { BlockSplitter } from './markdown-blocks';
import type { TextLike } from './stream-text';

export type Segment =
  | { kind: 'markdown'; key: string; text: string }
  | { kind: 'plain'; key: string; text: string }
  | { kind: 'fold'; key: string; hiddenChars: number };

/** A message longer than this is folded on the page. */
export const VIEW_FOLD_OVER = 48_000;
export const VIEW_HEAD = 12_000;
export const VIEW_TAIL = 12_000;
/** The tail while a message streams: about a screenful, so the part of the page that changes every frame stays small. */
export const VIEW_TAIL_STREAMING = 4_000;
/**
 * Where a message folds while it streams faster than anyone reads (see
 * message-view.ts): its head and streaming tail, so a frame never lays out
 * more new text than the tail, early in the answer as late.
 */
export const VIEW_FOLD_OVER_FAST = VIEW_HEAD + VIEW_TAIL_STREAMING;
/** What one "show more" adds to the head. */
export const VIEW_STEP = 200_000;
/** A finished block longer than this is shown as plain text (parsing it would stall the page). */
export const MARKDOWN_MAX_BLOCK = 32_000;
/** The block still arriving is parsed on every frame: past this size it is plain text until it is finished. */
export const MARKDOWN_MAX_OPEN = 8_000;
/** "Show all" lays the middle out as plain text in pieces of this size. */
const PLAIN_PIECE = 64_000;

export interface ViewOptions {
  /** Characters added to the head by "show more". */
  revealed: number;
  /** "Show all": the middle as plain text. */
  all: boolean;
  streaming: boolean;
  /** Fold past this length (VIEW_FOLD_OVER unless the message streams fast). */
  foldOver?: number;
}

interface Span {
  start: number;
  end: number;
  open: boolean;
}

/** Index of the first block ending after `at`. */
function firstBlockAfter(ends: readonly number[], at: number): number {
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid]! > at) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function blockAt(split: BlockSplitter, i: number, length: number): Span | null {
  if (i < split.ends.length) return { start: split.startOf(i), end: split.ends[i]!, open: false };
  if (i > split.ends.length) return null;
  const start = split.openStart;
  return start < length ? { start, end: length, open: true } : null;
}

/** The blocks in [lo, hi): whole blocks as Markdown where they fit, cut ones as plain text. */
function windowSegments(text: TextLike, split: BlockSplitter, lo: number, hi: number, streaming: boolean, out: Segment[]): void {
  for (let i = firstBlockAfter(split.ends, lo); ; i++) {
    const b = blockAt(split, i, text.length);
    if (!b || b.start >= hi) return;
    const from = Math.max(b.start, lo);
    const to = Math.min(b.end, hi);
    const piece = text.slice(from, to);
    if (b.open && piece.trim() === '') return;
    const cut = from !== b.start || to !== b.end;
    const max = b.open && streaming ? MARKDOWN_MAX_OPEN : MARKDOWN_MAX_BLOCK;
    if (cut || to - from > max) out.push({ kind: 'plain', key: `p${from}`, text: piece });
    else out.push({ kind: 'markdown', key: `m${from}`, text: piece });
  }
}

export function viewSegments(text: TextLike, split: BlockSplitter, o: ViewOptions): Segment[] {
  const out: Segment[] = [];
  const len = text.length;
  const headLimit = VIEW_HEAD + o.revealed;
  if (len <= (o.foldOver ?? VIEW_FOLD_OVER) + o.revealed) {
    windowSegments(text, split, 0, len, o.streaming, out);
    return out;
  }
  // The head ends at a block boundary where one falls inside it.
  const h = firstBlockAfter(split.ends, headLimit);
  const headEnd = h > 0 ? split.ends[h - 1]! : headLimit;
  // The tail starts at the first block boundary inside it.
  const tail = o.streaming ? VIEW_TAIL_STREAMING : VIEW_TAIL;
  const t = firstBlockAfter(split.ends, len - tail - 1);
  const boundary = t < split.ends.length ? split.ends[t]! : split.openStart;
  const tailStart = boundary >= len - tail && boundary < len ? boundary : len - tail;
  if (tailStart <= headEnd) {
    windowSegments(text, split, 0, len, o.streaming, out);
    return out;
  }
  windowSegments(text, split, 0, headEnd, o.streaming, out);
  if (o.all) {
    for (let at = headEnd; at < tailStart; at += PLAIN_PIECE)
      out.push({ kind: 'plain', key: `a${at}`, text: text.slice(at, Math.min(tailStart, at + PLAIN_PIECE)) });
  } else {
    out.push({ kind: 'fold', key: 'fold', hiddenChars: tailStart - headEnd });
  }
  windowSegments(text, split, tailStart, len, o.streaming, out);
  return out;
}
