/**
 * The recent output of a session, kept so a view that (re)attaches — the pane
 * shown again after a reload, a second browser tab — sees the same screen
 * history. Bounded; trimmed at a line start so the replay does not begin in
 * the middle of an escape sequence as often.
 */
export class Scrollback {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly limit = 512 * 1024) {}

  append(data: string): void {
    this.chunks.push(data);
    this.size += data.length;
    if (this.size > this.limit * 2) this.compact();
  }

  text(): string {
    this.compact();
    return this.chunks.join('');
  }

  private compact(): void {
    let all = this.chunks.join('');
    if (all.length > this.limit) {
      all = all.slice(all.length - this.limit);
      const nl = all.indexOf('\n');
      if (nl >= 0 && nl < 4096) all = all.slice(nl + 1);
    }
    this.chunks = [all];
    this.size = all.length;
  }
}
