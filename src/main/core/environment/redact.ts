/** What a secret is replaced with wherever output leaves a command. */
export const REDACTED_MARKER = '[redacted]';

/**
 * The secrets aios knows (the provider key, the web host's secret, values of
 * scrubbed variables) and the one way they are cut out of text. Shared by
 * the executor and the terminal; secrets may be added later (the web host
 * registers its own on start).
 */
export class SecretSet {
  private readonly values = new Set<string>();
  private sorted: string[] = [];

  add(...secrets: ReadonlyArray<string | undefined>): void {
    let changed = false;
    for (const s of secrets) {
      if (!s || s.length < 4 || this.values.has(s)) continue;
      this.values.add(s);
      changed = true;
    }
    // Longest first, so a secret that contains another is replaced whole.
    if (changed) this.sorted = [...this.values].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.values.size;
  }

  /** The longest secret's length: how much of a stream's tail may be half a secret. */
  get longest(): number {
    return this.sorted[0]?.length ?? 0;
  }

  redact(text: string): string {
    if (this.sorted.length === 0 || text.length === 0) return text;
    let out = text;
    for (const s of this.sorted) if (out.includes(s)) out = out.split(s).join(REDACTED_MARKER);
    return out;
  }

  /** The length of the longest tail of `text` that is the start of some secret (and not a whole one). */
  partialTail(text: string): number {
    let best = 0;
    for (const s of this.sorted) {
      const max = Math.min(s.length - 1, text.length);
      for (let n = max; n > best; n--) {
        if (text.endsWith(s.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }

  /** A redactor for one stream of chunks, where a secret may be split across two. */
  stream(): StreamRedactor {
    return new StreamRedactor(this);
  }
}

/**
 * Redacts a chunked stream: the tail of a chunk that could be the beginning
 * of a secret is held back until the next chunk shows whether it is one.
 * `end()` releases what is held when the stream is over (or idle).
 */
export class StreamRedactor {
  private held = '';

  constructor(private readonly secrets: SecretSet) {}

  push(chunk: string): string {
    const text = this.held + chunk;
    this.held = '';
    if (this.secrets.size === 0) return text;
    const redacted = this.secrets.redact(text);
    const keep = this.secrets.partialTail(redacted);
    if (keep === 0) return redacted;
    this.held = redacted.slice(redacted.length - keep);
    return redacted.slice(0, redacted.length - keep);
  }

  /** Whether some text is held back waiting for the next chunk. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  end(): string {
    const out = this.held;
    this.held = '';
    return out;
  }
}
