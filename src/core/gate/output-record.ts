import type { CommandRecord } from '../../shared/contract';

type Chunk = CommandRecord['output'][number];

/** What a command record keeps of its output: the head and the tail, 64 KB in all. */
export const RECORD_OUTPUT_MAX = 65_536;

function push(chunks: Chunk[], stream: Chunk['stream'], data: string): void {
  const last = chunks[chunks.length - 1];
  if (last && last.stream === stream) last.data += data;
  else chunks.push({ stream, data });
}

/**
 * Collects a command's output as the card saw it (stream by stream), keeping
 * the first half of the budget and a rolling last half, so a restored card
 * shows where a long output started and how it ended.
 */
export class OutputRecorder {
  private readonly head: Chunk[] = [];
  private headChars = 0;
  private tail: Chunk[] = [];
  private tailChars = 0;
  private omitted = 0;

  constructor(private readonly max = RECORD_OUTPUT_MAX) {}

  add(stream: Chunk['stream'], data: string): void {
    const headRoom = Math.floor(this.max / 2) - this.headChars;
    if (headRoom > 0) {
      const part = data.slice(0, headRoom);
      push(this.head, stream, part);
      this.headChars += part.length;
      data = data.slice(part.length);
    }
    if (data === '') return;
    push(this.tail, stream, data);
    this.tailChars += data.length;
    const tailMax = this.max - Math.floor(this.max / 2);
    while (this.tailChars > tailMax && this.tail.length > 0) {
      const first = this.tail[0]!;
      const excess = this.tailChars - tailMax;
      const cut = Math.min(excess, first.data.length);
      if (cut === first.data.length) this.tail.shift();
      else this.tail[0] = { stream: first.stream, data: first.data.slice(cut) };
      this.tailChars -= cut;
      this.omitted += cut;
    }
  }

  /** The kept chunks in order; where the middle was left out, the head's last chunk says how much. */
  snapshot(): { output: Chunk[]; omittedChars: number } {
    const output = this.head.map((c) => ({ ...c }));
    const last = output[output.length - 1];
    if (this.omitted > 0 && last) last.data += `\n… [${this.omitted} characters not kept] …\n`;
    for (const c of this.tail) push(output, c.stream, c.data);
    return { output, omittedChars: this.omitted };
  }
}
