/**
 * The recent output of a session, kept so a view that (re)attaches — the pane
 * shown again after a reload, a second browser tab — sees the same screen
 * history. Bounded; trimmed at a line start so the replay does not begin in
 * the middle of an escape sequence as often.
 *
 * Appending drops whole chunks from the front once more than the limit is
 * kept, so a flood of output costs no copying here; the text is joined and
 * cut only when a view asks for it.
 */
export class Scrollback {
  private chunks: string[] = [];
  /** Index of the first chunk still kept (dropped ones are removed in batches). */
  private first = 0;
  private size = 0;

  constructor(private readonly limit = 512 * 1024) {}

  append(data: string): void {
    this.chunks.push(data);
    this.size += data.length;
    // Keep at least `limit` characters: drop a front chunk only when the rest still holds them.
    while (this.first < this.chunks.length - 1 && this.size - this.chunks[this.first]!.length >= this.limit) {
      this.size -= this.chunks[this.first]!.length;
      this.first++;
    }
    if (this.first > 1024 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }

  text(): string {
    let all = this.chunks.slice(this.first).join('');
    if (all.length > this.limit) {
      all = all.slice(all.length - this.limit);
      const nl = all.indexOf('\n');
      if (nl >= 0 && nl < 4096) all = all.slice(nl + 1);
    }
    this.chunks = [all];
    this.first = 0;
    this.size = all.length;
    return all;
  }
}
