/**
 * Splits Markdown at blank lines outside fenced code, so a long answer is
 * parsed block by block: while it streams only the last block changes, and
 * the blocks before it keep their rendering.
 *
 * The splitter is incremental: fed a text that grew at its end, it scans only
 * the new complete lines, so the work per streamed chunk does not grow with
 * what came before.
 */
import type { TextLike } from './stream-text';

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
/** Characters before the scanned end that must be unchanged for the text to count as grown. */
const GUARD = 32;

export class BlockSplitter {
  /** End offsets of the finished blocks; the open block runs from the last one to the end. */
  readonly ends: number[] = [];
  private pos = 0;
  private start = 0;
  private sawContent = false;
  private fence: { char: string; length: number } | null = null;
  private guard = '';

  /** Takes the text as it is now; starts over when it did not just grow. */
  feed(text: TextLike): void {
    if (text.length < this.pos || text.slice(Math.max(0, this.pos - GUARD), this.pos) !== this.guard) this.reset();
    const from = this.pos;
    if (text.length === from) return;
    // Only what arrived since the last feed is read.
    const fresh = text.slice(from, text.length);
    let k = 0;
    for (;;) {
      const nl = fresh.indexOf('\n', k);
      if (nl === -1) break;
      this.line(fresh.slice(k, nl), from + k, from + nl + 1);
      k = nl + 1;
    }
    this.pos = from + k;
    this.guard = text.slice(Math.max(0, this.pos - GUARD), this.pos);
  }

  /** Where the open (unfinished) block starts. */
  get openStart(): number {
    return this.start;
  }

  /** Offset where block `i` starts (i may be the open block, `ends.length`). */
  startOf(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]!;
  }

  private reset(): void {
    this.ends.length = 0;
    this.pos = 0;
    this.start = 0;
    this.sawContent = false;
    this.fence = null;
    this.guard = '';
  }

  private line(line: string, pos: number, end: number): void {
    const marker = FENCE.exec(line);
    if (this.fence) {
      if (marker && marker[1]![0] === this.fence.char && marker[1]!.length >= this.fence.length && line.trim() === marker[1])
        this.fence = null;
    } else if (marker) {
      this.fence = { char: marker[1]![0]!, length: marker[1]!.length };
    }
    const blank = line.trim() === '';
    if (!this.fence && blank && this.sawContent) {
      this.ends.push(end);
      this.start = end;
      this.sawContent = false;
    } else if (!this.fence && blank && !this.sawContent && this.start === pos && this.ends.length > 0) {
      // More blank lines: they belong to the block before them.
      this.ends[this.ends.length - 1] = end;
      this.start = end;
    } else if (!blank) {
      this.sawContent = true;
    }
  }
}

/** The blocks of a whole text (the splitter's view, as strings). */
export function markdownBlocks(text: string): string[] {
  const s = new BlockSplitter();
  s.feed(text);
  const blocks = s.ends.map((end, i) => text.slice(s.startOf(i), end));
  const rest = text.slice(s.openStart);
  if (rest !== '') {
    // Trailing blank lines belong to the block before them.
    if (rest.trim() === '' && blocks.length > 0) blocks[blocks.length - 1] += rest;
    else blocks.push(rest);
  }
  return blocks;
}
