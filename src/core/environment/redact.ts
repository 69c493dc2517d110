import { FragmentIndex, type Span } from './fragment-index';
import { looksRandom, MIN_FRAGMENT, secretForms } from './secret-forms';

/** What a secret is replaced with wherever output leaves a command. */
export const REDACTED_MARKER = '[redacted]';

/**
 * A login ticket of the web host signed with the install's secret
 * (`aios web --login-url`): whoever holds one can open a session, so it is
 * cut out wherever it is printed, also by a process that never saw the
 * secret. The format is SessionAuth's: `s1.<nonce>.<expiry>.<mac>`.
 */
export const SIGNED_TICKET = /s1\.[A-Za-z0-9_-]{22}\.\d{1,12}\.[A-Za-z0-9_-]{43}/g;

/**
 * The secrets aios knows (the provider key, the web host's secret, values of
 * scrubbed variables) and the one way they are cut out of text. Shared by
 * the executor, the terminal, tool results and what is sent to the model;
 * secrets may be added later (the web host registers its own on start).
 *
 * The last net, not the wall: besides the whole secret it catches, for a
 * secret that looks random (a key, a token), a run of MIN_FRAGMENT or more
 * of its characters whatever separates them (one per line, spaced, `od -c`),
 * reversed, as hex, and inside base64 at any offset (see secret-forms.ts).
 */
export class SecretSet {
  private readonly values = new Set<string>();
  /** Those whose letters and digits are a form in `fragments` (see looksRandom). */
  private readonly random = new Set<string>();
  private sorted: string[] = [];
  private readonly fragments = new FragmentIndex();

  add(...secrets: ReadonlyArray<string | undefined>): void {
    let changed = false;
    for (const s of secrets) {
      if (!s || s.length < 4 || this.values.has(s)) continue;
      this.values.add(s);
      if (looksRandom(s)) {
        for (const form of secretForms(s)) this.fragments.add(form);
        this.random.add(s);
      }
      changed = true;
    }
    // Longest first, so a secret that contains another is replaced whole.
    if (changed) this.sorted = [...this.values].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.values.size;
  }

  /** Nothing to look for: no secret known (signed tickets are always looked for, but only in whole text). */
  get empty(): boolean {
    return this.values.size === 0;
  }

  /** The longest secret's length. */
  get longest(): number {
    return this.sorted[0]?.length ?? 0;
  }

  redact(text: string): string {
    if (text.length === 0) return text;
    if (this.sorted.length === 0) return text.includes('s1.') ? text.replace(SIGNED_TICKET, REDACTED_MARKER) : text;
    return replaceSpans(text, this.find(text).spans, text.length);
  }

  /**
   * Where the secrets are in `text`, and from where its end may still be the
   * beginning of one (-1 when it cannot). `parts`: the pieces `text` was
   * concatenated from, if it was (see FragmentIndex.find).
   */
  find(text: string, parts?: readonly string[]): { spans: Span[]; openFrom: number } {
    const found = this.fragments.find(text, parts);
    const spans = [...found.spans];
    // Each search below reads the parts where it can: searching the concatenation copies it flat.
    if (includesAcross(parts ?? [text], 's1.')) for (const m of text.matchAll(SIGNED_TICKET)) spans.push([m.index, m.index + m[0].length]);
    let openFrom = found.openFrom;
    const last = parts?.[parts.length - 1] ?? text;
    const lastAt = text.length - last.length;
    for (const s of this.sorted) {
      // A secret that looks random is in the text whole only where its form is, which the fragments' first pass would have seen.
      if (found.candidates || !this.random.has(s)) {
        for (let i = text.indexOf(s); i !== -1; i = text.indexOf(s, i + s.length)) spans.push([i, i + s.length]);
      }
      // A tail that starts the whole secret (secrets too short or too odd for fragments): the longest such tail.
      const [tail, at] = last.length >= s.length - 1 ? [last, lastAt] : [text, 0];
      const first = s.charCodeAt(0);
      for (let from = Math.max(0, tail.length - (s.length - 1)); from < tail.length; from++) {
        if (tail.charCodeAt(from) === first && s.startsWith(tail.slice(from))) {
          openFrom = openFrom === -1 ? at + from : Math.min(openFrom, at + from);
          break;
        }
      }
    }
    return { spans: mergeSpans(spans), openFrom };
  }

  /** A redactor for one stream of chunks, where a secret may be split across several. */
  stream(): StreamRedactor {
    return new StreamRedactor(this);
  }
}

/** Whether the concatenation of `parts` contains `needle`, without making it. */
function includesAcross(parts: readonly string[], needle: string): boolean {
  let carry = '';
  for (const part of parts) {
    if (part.includes(needle) || (carry !== '' && (carry + part.slice(0, needle.length - 1)).includes(needle))) return true;
    // Sliced from the part alone where it is long enough: slicing the concatenation would copy it flat.
    carry = part.length >= needle.length - 1 ? part.slice(part.length - (needle.length - 1)) : (carry + part).slice(-(needle.length - 1));
  }
  return false;
}

function mergeSpans(spans: Span[]): Span[] {
  spans.sort((a, b) => a[0] - b[0]);
  const out: Span[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else out.push([s[0], s[1]]);
  }
  return out;
}

/** `text` up to `cut`, with every span replaced by the marker. */
function replaceSpans(text: string, spans: readonly Span[], cut: number): string {
  if (spans.length === 0) return text.slice(0, cut);
  let out = '';
  let at = 0;
  for (const [a, b] of spans) {
    if (a >= cut) break;
    out += text.slice(at, a) + REDACTED_MARKER;
    at = b;
  }
  return out + text.slice(at, cut);
}

/** How much released text a stream keeps to see a run that goes on: this many letters and digits. */
const CONTEXT_LETTERS = MIN_FRAGMENT - 1;
/** …and at most this many characters of it, however many separators. */
const CONTEXT_MAX = 256;

/** The end of `text` holding its last `letters` letters and digits, at most `max` characters. */
function tailOf(text: string, letters: number, max: number): string {
  let seen = 0;
  const stop = Math.max(0, text.length - max);
  for (let j = text.length - 1; j >= stop; j--) {
    if (isAsciiAlnum(text.charCodeAt(j)) && ++seen === letters) return text.slice(j);
  }
  return text.slice(stop);
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Redacts a chunked stream: the tail of a chunk that could be the beginning
 * of a secret (or of a run of it) is held back, unredacted, until the next
 * chunk shows whether it is one. The end of what was released is kept as
 * context, so a secret printed a character at a time is caught once
 * MIN_FRAGMENT of it are out (fewer never count as a leak). `end()`
 * releases what is held when the stream is over (or idle), redacted.
 */
export class StreamRedactor {
  private held = '';
  private context = '';

  constructor(private readonly secrets: SecretSet) {}

  push(chunk: string): string {
    return this.release(chunk, false);
  }

  /** Whether some text is held back waiting for the next chunk. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  end(): string {
    return this.release('', true);
  }

  private release(chunk: string, all: boolean): string {
    if (this.secrets.empty) {
      const out = this.held + chunk;
      this.held = '';
      return this.secrets.redact(out);
    }
    const from = this.context.length;
    const heldBefore = this.held;
    const text = this.context + heldBefore + chunk;
    const { spans, openFrom } = this.secrets.find(text, [this.context, heldBefore, chunk]);
    // What the context holds is out already: only the rest of a span can still go.
    const live: Span[] = spans.filter(([, b]) => b > from).map(([a, b]) => [Math.max(a, from), b]);
    let cut = all || openFrom === -1 ? text.length : Math.max(openFrom, from);
    // A span is never cut in two: what is released of it is redacted whole.
    for (const [a, b] of live) if (a < cut && b > cut) cut = b;
    this.held = text.slice(cut);
    // From the chunk itself when the context fits in it: slicing the concatenation copies it flat.
    const released = cut === text.length && chunk.length >= CONTEXT_MAX ? chunk : text.slice(0, cut);
    this.context = tailOf(released, CONTEXT_LETTERS, CONTEXT_MAX);
    if (live.length > 0) return replaceSpans(text, live, cut).slice(from);
    // Nothing to cut and nothing held: the chunk itself goes on (not a slice of the concatenation, which costs a copy to send).
    return heldBefore === '' && cut === text.length ? chunk : text.slice(from, cut);
  }
}
