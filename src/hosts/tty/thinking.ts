import type { Style } from './style';

/** How much of the reasoning the one-line fold shows. */
const FOLD_CHARS = 90;

/**
 * The model's reasoning at the `[aios] >` prompt: a dim `thinking…` line while
 * it streams, then one dim line in its place (`▸ thought (N words): …`).
 * It is never printed whole and never mixed into the answer.
 */
export class ThinkingLine {
  private text = '';
  private shown = false;

  constructor(
    private readonly style: Style,
    /** On a terminal the `thinking…` line is replaced in place; elsewhere only the fold is printed. */
    private readonly live: boolean,
  ) {}

  get active(): boolean {
    return this.text.length > 0;
  }

  /** More reasoning; returns what to print now. */
  push(piece: string): string {
    this.text += piece;
    if (this.shown || !this.live || this.text.trim() === '') return '';
    this.shown = true;
    return this.style.dim('thinking…');
  }

  /** The reasoning is over (an answer, a tool call or the end follows): the fold line, or '' when there was none. */
  end(): string {
    if (!this.active) return '';
    const flat = this.text.replace(/\s+/g, ' ').trim();
    const words = flat === '' ? 0 : flat.split(' ').length;
    const gist = flat.length > FOLD_CHARS ? `${flat.slice(0, FOLD_CHARS)}…` : flat;
    const clear = this.shown ? '\r\x1b[2K' : '';
    this.text = '';
    this.shown = false;
    return `${clear}${this.style.dim(`▸ thought (${words} words): ${gist}`)}\n`;
  }
}
