/**
 * Splits streamed `content` into what the person reads and what they must not
 * see raw: `<think>…</think>` (reasoning written into the answer by models
 * served without a reasoning parser) and `<tool_call>…</tool_call>` (tool
 * calls written as text by Qwen/Hermes models served without a tool parser).
 * Tags may be split across chunks, so a tail that could start a tag is held
 * back until the next piece says what it is.
 */

export type ContentPiece = { kind: 'text' | 'reasoning'; text: string };
/** `</think>` with no `<think>` before it: R1 distills' templates open the tag in the prompt, so all text so far was reasoning. */
export type SplitPiece = ContentPiece | { kind: 'reasoning_ended' };

const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';
const CALL_OPEN = '<tool_call>';
const CALL_CLOSE = '</tool_call>';

type Mode = 'text' | 'think' | 'call';

/** The length of the longest suffix of `s` that is a proper prefix of one of `tags`. */
function partialTagLength(s: string, tags: readonly string[]): number {
  let best = 0;
  for (const tag of tags) {
    for (let n = Math.min(tag.length - 1, s.length); n > best; n--) {
      if (s.endsWith(tag.slice(0, n))) {
        best = n;
        break;
      }
    }
  }
  return best;
}

export class ContentSplitter {
  private mode: Mode = 'text';
  private held = '';
  private callText = '';
  /** The bodies of complete `<tool_call>` blocks, in order. */
  readonly toolCallBlocks: string[] = [];

  /** `withholdToolCalls`: tools were offered, so a `<tool_call>` block is a call, not text. */
  constructor(private readonly withholdToolCalls: boolean) {}

  push(chunk: string): SplitPiece[] {
    const out: SplitPiece[] = [];
    let s = this.held + chunk;
    this.held = '';
    while (s.length > 0) {
      const close = this.mode === 'think' ? THINK_CLOSE : this.mode === 'call' ? CALL_CLOSE : undefined;
      const opens = this.withholdToolCalls ? [THINK_OPEN, CALL_OPEN, THINK_CLOSE] : [THINK_OPEN, THINK_CLOSE];
      const tags = close ? [close] : opens;
      let at = -1;
      let tag = '';
      for (const t of tags) {
        const i = s.indexOf(t);
        if (i >= 0 && (at < 0 || i < at)) {
          at = i;
          tag = t;
        }
      }
      if (at < 0) {
        const keep = partialTagLength(s, tags);
        this.emit(out, s.slice(0, s.length - keep));
        this.held = s.slice(s.length - keep);
        break;
      }
      this.emit(out, s.slice(0, at));
      s = s.slice(at + tag.length);
      if (tag === THINK_OPEN) this.mode = 'think';
      else if (tag === CALL_OPEN) this.mode = 'call';
      else if (this.mode === 'text') out.push({ kind: 'reasoning_ended' });
      else {
        if (this.mode === 'call') this.toolCallBlocks.push(this.callText);
        this.callText = '';
        this.mode = 'text';
      }
    }
    return out;
  }

  /** The end of the stream: what was held back, as what it was. An unclosed `<tool_call>` comes back as text. */
  end(): ContentPiece[] {
    const out: ContentPiece[] = [];
    this.emit(out, this.held);
    this.held = '';
    if (this.mode === 'call' && this.callText) out.push({ kind: 'text', text: `${CALL_OPEN}${this.callText}` });
    this.callText = '';
    this.mode = 'text';
    return out;
  }

  private emit(out: SplitPiece[], text: string): void {
    if (!text) return;
    if (this.mode === 'call') {
      this.callText += text;
      return;
    }
    const kind = this.mode === 'think' ? 'reasoning' : 'text';
    const last = out[out.length - 1];
    if (last && last.kind === kind) last.text += text;
    else out.push({ kind, text });
  }
}
