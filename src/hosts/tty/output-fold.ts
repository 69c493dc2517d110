/**
 * A command's output in the TTY: the first lines stream as they come; past
 * `headLines` the rest is held, and when the command ends only the last
 * `tailLines` are printed with a note of how many were folded. `/output`
 * prints everything kept (up to `keepChars`).
 */
import { FOLD_HEAD_LINES, FOLD_TAIL_LINES, foldMarker, foldPlan } from '../../shared/output-fold';

export interface FoldOptions {
  headLines?: number;
  tailLines?: number;
  keepChars?: number;
}

export class OutputFold {
  private readonly head: number;
  private readonly tail: number;
  private readonly keep: number;
  private shownLines = 0;
  private folding = false;
  private heldLines: string[] = [];
  private partial = '';
  private folded = 0;
  private kept = '';
  private dropped = 0;

  constructor(
    readonly command: string,
    o: FoldOptions = {},
  ) {
    this.head = o.headLines ?? FOLD_HEAD_LINES;
    this.tail = o.tailLines ?? FOLD_TAIL_LINES;
    this.keep = o.keepChars ?? 1_000_000;
  }

  /** What to print now for this chunk. */
  push(chunk: string): string {
    this.remember(chunk);
    if (this.folding) {
      this.hold(chunk);
      return '';
    }
    let out = '';
    let rest = chunk;
    while (rest.length > 0) {
      const nl = rest.indexOf('\n');
      if (nl < 0) {
        out += rest;
        break;
      }
      out += rest.slice(0, nl + 1);
      rest = rest.slice(nl + 1);
      if (++this.shownLines >= this.head && rest.length > 0) {
        this.folding = true;
        this.hold(rest);
        break;
      }
    }
    return out;
  }

  /** The folded summary and the last lines, once the command has ended ('' when nothing was folded). */
  finish(): string {
    if (!this.folding) return '';
    const lines = this.partial ? [...this.heldLines, this.partial] : this.heldLines;
    const after = this.folded + lines.length;
    const last = lines.slice(-this.tail);
    const plan = foldPlan(this.shownLines + after, this.shownLines, this.tail);
    if (plan.hidden <= 0) return `${last.join('\n')}\n`;
    return `${foldMarker(plan, '/output')}\n${last.join('\n')}\n`;
  }

  /** Everything kept of the output (bounded), for /output. */
  full(): string {
    return this.dropped > 0 ? `${this.kept}\n… (${this.dropped} more characters not kept)\n` : this.kept;
  }

  private remember(chunk: string): void {
    const room = this.keep - this.kept.length;
    if (room >= chunk.length) this.kept += chunk;
    else {
      this.kept += chunk.slice(0, Math.max(0, room));
      this.dropped += chunk.length - Math.max(0, room);
    }
  }

  private hold(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    this.heldLines.push(...parts);
    // Only the tail is ever printed; count the rest instead of keeping it.
    if (this.heldLines.length > this.tail) {
      this.folded += this.heldLines.length - this.tail;
      this.heldLines = this.heldLines.slice(-this.tail);
    }
  }
}
