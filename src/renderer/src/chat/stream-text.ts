/**
 * The text of an answer while it streams, kept as pieces. Appending to one
 * JavaScript string is cheap, but the first read of the result copies all of
 * it (V8 flattens the joined string), so a page that reads a 5 MB answer on
 * every frame copies 5 MB per frame. The page reads its head and tail from
 * these pieces instead: the cost per frame stays the size of what changed.
 *
 * One buffer is shared, append-only, by the successive versions of a row;
 * each version sees its own length, so older versions stay what they were.
 */

/** Pieces shorter than this take the next append, so the piece count stays small. */
const PIECE = 8_192;

class StreamBuffer {
  readonly pieces: string[] = [];
  /** Where each piece starts. */
  readonly starts: number[] = [];
  length = 0;

  append(s: string): void {
    const last = this.pieces.length - 1;
    if (last >= 0 && this.pieces[last]!.length < PIECE) this.pieces[last] += s;
    else {
      this.pieces.push(s);
      this.starts.push(this.length);
    }
    this.length += s.length;
  }

  /** Index of the piece holding offset `at`. */
  pieceAt(at: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** What the page reads text through: a string is one, and so is a StreamText. */
export interface TextLike {
  readonly length: number;
  slice(start: number, end?: number): string;
}

export class StreamText implements TextLike {
  private constructor(
    private readonly buffer: StreamBuffer,
    readonly length: number,
  ) {}

  static of(text: string): StreamText {
    const b = new StreamBuffer();
    if (text !== '') b.append(text);
    return new StreamText(b, b.length);
  }

  /** This text and `more` after it. Only the newest version may grow (the reducer only appends to it). */
  append(more: string): StreamText {
    // An older version asked to grow would see text it does not hold: start a buffer of its own.
    const b = this.buffer.length === this.length ? this.buffer : copyOf(this);
    b.append(more);
    return new StreamText(b, b.length);
  }

  slice(start = 0, end = this.length): string {
    const from = Math.max(0, Math.min(start < 0 ? this.length + start : start, this.length));
    const to = Math.max(from, Math.min(end < 0 ? this.length + end : end, this.length));
    if (from === to) return '';
    const b = this.buffer;
    let i = b.pieceAt(from);
    let out = '';
    for (let at = from; at < to; i++) {
      const piece = b.pieces[i]!;
      const s = b.starts[i]!;
      out += piece.slice(at - s, Math.min(piece.length, to - s));
      at = s + piece.length;
    }
    return out;
  }

  toString(): string {
    return this.slice(0, this.length);
  }
}

function copyOf(t: StreamText): StreamBuffer {
  const b = new StreamBuffer();
  b.append(t.slice(0, t.length));
  return b;
}
