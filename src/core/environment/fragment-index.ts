import { MIN_FRAGMENT, type SecretForm } from './secret-forms';

/**
 * Finds runs of a secret's forms in text, however the characters are
 * separated: the text is reduced to its letters and digits (remembering
 * where each came from), every window of MIN_FRAGMENT of them is looked up
 * by a rolling hash among the windows of the known forms, and windows that
 * continue one another along one form make a run. A run at least as long as
 * its form's `minRun` is a leak; the original text it spans is what goes.
 *
 * Linear in the text. Ordinary output is mostly skipped cheaply: a window
 * can match only where each three neighbouring letters/digits in it occur
 * so in some form (a streak of such triples), and a first pass that samples
 * the text (see hasStreak) tells whether there is one anywhere. Only then
 * is the text read whole, keeping the length of the current streak (one
 * table probe per letter or digit) and hashing a window only where a streak
 * is W long; there a one-byte filter probe comes first, and the map is
 * consulted only when it says maybe.
 */

/** The window: a power of two, so the ring of the last W characters is indexed with a mask. */
const W = MIN_FRAGMENT;
if ((W & (W - 1)) !== 0) throw new Error('MIN_FRAGMENT must be a power of two');
const BASE = 257;
/** BASE^(W-1) mod 2^32, to take the oldest character out of the rolling hash. */
const TOP = (() => {
  let p = 1;
  for (let i = 1; i < W; i++) p = Math.imul(p, BASE) >>> 0;
  return p;
})();

const FILTER_SIZE = 1 << 20;
const FILTER_MASK = FILTER_SIZE - 1;

/**
 * Each UTF-16 code unit's number as a letter or digit of a secret: 1 to 62
 * for the ASCII ones, 0 for anything else. A table over every code unit, so
 * the scan needs no range test before the lookup.
 */
const DIGIT_OF = (() => {
  const t = new Uint8Array(0x10000);
  let k = 0;
  for (let c = 0; c < 128; c++) if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) t[c] = ++k;
  return t;
})();
/** Bits per letter/digit number in a triple's index (62 < 2^6). */
const DIGIT_BITS = 6;
const TRIPLE_MASK = (1 << (3 * DIGIT_BITS)) - 1;

/** The index of three letters/digits (by DIGIT_OF) in the triples table; 0 stands for "none yet", which no triple of a form has. */
function tripleOf(a: number, b: number, c: number): number {
  return (((a << DIGIT_BITS) | b) << DIGIT_BITS) | c;
}

interface Run {
  form: number;
  /** Counted in letters and digits. */
  start: number;
  end: number;
  /** Where it starts and ends in the text. */
  startAt: number;
  endAt: number;
}

interface Window {
  form: number;
  offset: number;
}

/** A piece of the original text, as [start, end) indices. */
export type Span = [number, number];

export interface FragmentMatches {
  /** Pieces of the text that are runs of a secret, sorted and merged. */
  spans: Span[];
  /**
   * Where the text's unfinished business starts: a run that reaches the
   * end, or a tail that begins a window, either of which the next chunk of
   * a stream may continue. -1 when the text could end here.
   */
  openFrom: number;
  /**
   * Whether some W letters and digits in a row could be a window of a form.
   * When not, no secret whose letters and digits make a form (one that
   * looks random) is in the text whole either.
   */
  candidates: boolean;
}

export class FragmentIndex {
  private readonly forms: SecretForm[] = [];
  private readonly windows = new Map<number, Window[]>();
  /** One byte per hash bucket: most windows of ordinary text stop here, before the map. */
  private readonly seen = new Uint8Array(FILTER_SIZE);
  /** 1 where three letters/digits follow one another so in some form (see tripleOf): the cheap first test. */
  private readonly triples = new Uint8Array(TRIPLE_MASK + 1);
  /** Starts of windows (3 to W-1 characters), for holding back a stream's tail. */
  private readonly starts = new Set<string>();

  get empty(): boolean {
    return this.forms.length === 0;
  }

  add(form: SecretForm): void {
    const id = this.forms.push(form) - 1;
    const t = form.text;
    if (t.length < W) return;
    const d = (i: number) => DIGIT_OF[t.charCodeAt(i)]!;
    for (let i = 2; i < t.length; i++) this.triples[tripleOf(d(i - 2), d(i - 1), d(i))] = 1;
    let h = 0;
    for (let i = 0; i < t.length; i++) {
      if (i >= W) h = (h - Math.imul(t.charCodeAt(i - W), TOP)) >>> 0;
      h = (Math.imul(h, BASE) + t.charCodeAt(i)) >>> 0;
      if (i >= W - 1) {
        const offset = i - W + 1;
        this.seen[h & FILTER_MASK] = 1;
        const list = this.windows.get(h);
        if (list) list.push({ form: id, offset });
        else this.windows.set(h, [{ form: id, offset }]);
        for (let k = 3; k < W; k++) this.starts.add(t.slice(offset, offset + k));
      }
    }
  }

  /**
   * `parts`, when given, are pieces whose concatenation is `text` (a stream's
   * kept context and its new chunk): the first pass reads them one by one,
   * since reading a concatenation character by character is slower than
   * reading the flat strings it was made of.
   */
  find(text: string, parts: readonly string[] = [text]): FragmentMatches {
    if (this.forms.length === 0) return { spans: [], openFrom: -1, candidates: false };
    const runs: Run[] = [];
    // The run each form's diagonal (text position - form offset) is in.
    const open = new Map<number, Run>();
    // The last W letters and digits, and where each was in the text.
    const ring = new Uint16Array(W);
    const ringAt = new Uint32Array(W);
    const seen = this.seen;
    const triples = this.triples;
    if (!hasStreak(parts, triples)) {
      // No window can match anywhere (the common case): only the tail may begin one. It is read
      // from the last part when that holds W letters and digits: reading the concatenation copies it flat.
      const last = parts[parts.length - 1]!;
      const own = countAlnum(last, W);
      const tail = own === W ? last : text;
      const letters = own === W ? own : countAlnum(text, W);
      if (letters > 0) this.fillRing(tail, tail.length - 1, letters, ring, ringAt);
      const shift = text.length - tail.length;
      if (shift > 0) for (let k = 0; k < W; k++) ringAt[k]! += shift;
      return { spans: [], openFrom: this.openTail(ring, ringAt, letters, -1), candidates: false };
    }
    let h = 0;
    let n = 0;
    let a = 0;
    let b = 0;
    // Letters and digits in a row whose every three neighbours occur so in some form.
    let streak = 0;
    for (let j = 0, len = text.length; j < len; j++) {
      const code = text.charCodeAt(j);
      const c = DIGIT_OF[code]!;
      if (c === 0) continue;
      streak = streak < 2 ? streak + 1 : triples[tripleOf(a, b, c)] === 1 ? streak + 1 : 2;
      a = b;
      b = c;
      n++;
      if (streak < W) continue;
      if (streak === W) {
        // The streak just became long enough: the ring and hash start from its last W letters and digits.
        h = this.fillRing(text, j, n, ring, ringAt);
      } else {
        const slot = (n - 1) & (W - 1);
        h = (h - Math.imul(ring[slot]!, TOP)) >>> 0;
        h = (Math.imul(h, BASE) + code) >>> 0;
        ring[slot] = code;
        ringAt[slot] = j;
      }
      if (seen[h & FILTER_MASK] === 0) continue;
      const list = this.windows.get(h);
      if (!list) continue;
      const start = n - W;
      for (const w of list) {
        if (!this.same(ring, n, w)) continue;
        const key = w.form * 0x100000000 + (start - w.offset + 0x80000000);
        const run = open.get(key);
        if (run && run.end === n - 1) {
          run.end = n;
          run.endAt = j + 1;
        } else {
          const fresh: Run = { form: w.form, start, end: n, startAt: ringAt[n & (W - 1)]!, endAt: j + 1 };
          open.set(key, fresh);
          runs.push(fresh);
        }
      }
    }
    // The ring holds the last letters and digits of the text (up to W of them), for its tail.
    if (n > 0) this.fillRing(text, text.length - 1, n, ring, ringAt);
    const spans: Span[] = [];
    let openFrom = -1;
    const note = (from: number) => {
      openFrom = openFrom === -1 ? from : Math.min(openFrom, from);
    };
    for (const r of runs) {
      if (r.end - r.start >= this.forms[r.form]!.minRun) spans.push([r.startAt, r.endAt]);
      // A run that reaches the end may go on in the next chunk: held whole, so the rest joins it.
      if (r.end === n) note(r.startAt);
    }
    return { spans: merge(spans), openFrom: this.openTail(ring, ringAt, n, openFrom), candidates: true };
  }

  /**
   * `openFrom`, or earlier where a tail that is the start of some window
   * begins (the next chunk may finish it). The ring holds the last letters
   * and digits, `n` of them in all.
   */
  private openTail(ring: Uint16Array, ringAt: Uint32Array, n: number, openFrom: number): number {
    for (let k = Math.min(W - 1, n); k >= 3; k--) {
      let tail = '';
      for (let i = n - k; i < n; i++) tail += String.fromCharCode(ring[i & (W - 1)]!);
      if (this.starts.has(tail)) {
        const from = ringAt[(n - k) & (W - 1)]!;
        return openFrom === -1 ? from : Math.min(openFrom, from);
      }
    }
    return openFrom;
  }

  /**
   * Puts the last W (or all, if fewer) letters and digits up to and
   * including text[j] into the ring, the n-th of them (counted from 1) in
   * slot (n-1) mod W, and returns the hash of the last W.
   */
  private fillRing(text: string, j: number, n: number, ring: Uint16Array, ringAt: Uint32Array): number {
    let m = n;
    for (let i = j; i >= 0 && m > 0 && n - m < W; i--) {
      const code = text.charCodeAt(i);
      if (DIGIT_OF[code] === 0) continue;
      m--;
      ring[m & (W - 1)] = code;
      ringAt[m & (W - 1)] = i;
    }
    let h = 0;
    for (let k = Math.max(0, n - W); k < n; k++) h = (Math.imul(h, BASE) + ring[k & (W - 1)]!) >>> 0;
    return h;
  }

  /** Whether the last W letters and digits (in the ring, ending before `n`) are window `w`. */
  private same(ring: Uint16Array, n: number, w: Window): boolean {
    const t = this.forms[w.form]!.text;
    for (let j = 0; j < W; j++) if (ring[(n - W + j) & (W - 1)] !== t.charCodeAt(w.offset + j)) return false;
    return true;
  }
}

/**
 * Whether the text made of `parts` has W letters and digits in a row
 * (separators aside) whose every three neighbours are marked in `triples`:
 * W - 2 marked triples in a row. The hot loop of all redaction: every
 * character of every output goes through it.
 *
 * The last part (a stream's new chunk; the others are its short context) is
 * mostly sampled, not read whole. Such a streak spans more than W - 2
 * positions between its second and its last letter or digit, so a sample
 * every W - 2 positions falls inside it; there the first letter or digit at
 * or after the sample ends a triple of the streak, which is marked. Only
 * where a sampled triple is marked are the letters and digits around it
 * read whole. A sample that had to skip separators to reach a letter or digit
 * has covered them: a streak spanning any of them also spans the sample.
 */
function hasStreak(parts: readonly string[], triples: Uint8Array): boolean {
  const state: StreakState = { triple: 0, marked: 0 };
  for (const part of parts.slice(0, -1)) if (readWhole(part, 0, part.length, Infinity, triples, state) === -1) return true;
  const text = parts[parts.length - 1]!;
  const len = text.length;
  // Read whole until W letters and digits of it are behind: from there on every look back (W - 1 of them) stays in this part.
  let j = readWhole(text, 0, len, W, triples, state);
  if (j === -1) return true;
  while (j < len) {
    let q = j;
    let c = DIGIT_OF[text.charCodeAt(q)]!;
    while (c === 0 && ++q < len) c = DIGIT_OF[text.charCodeAt(q)]!;
    if (q === len) return false;
    // The two letters or digits before q.
    let k = q - 1;
    let b = DIGIT_OF[text.charCodeAt(k)]!;
    while (b === 0) b = DIGIT_OF[text.charCodeAt(--k)]!;
    let a = DIGIT_OF[text.charCodeAt(--k)]!;
    while (a === 0) a = DIGIT_OF[text.charCodeAt(--k)]!;
    if (triples[tripleOf(a, b, c)] === 1 && streakAround(text, q, triples)) return true;
    j = Math.max(j + W - 2, q + 1);
  }
  return false;
}

interface StreakState {
  /** The last three letters/digits (see tripleOf). */
  triple: number;
  /** How many marked triples in a row end at the last one. */
  marked: number;
}

/**
 * Reads text[from, to) whole, going on from `state`, and stops after
 * `letters` letters and digits: -1 when a streak ends in what it read,
 * else where it stopped.
 */
function readWhole(text: string, from: number, to: number, letters: number, triples: Uint8Array, state: StreakState): number {
  let { triple, marked } = state;
  let read = 0;
  let j = from;
  while (j < to && read < letters) {
    const c = DIGIT_OF[text.charCodeAt(j++)]!;
    if (c === 0) continue;
    read++;
    triple = ((triple << DIGIT_BITS) | c) & TRIPLE_MASK;
    if (triples[triple] === 0) marked = 0;
    else if (++marked === W - 2) return -1;
  }
  state.triple = triple;
  state.marked = marked;
  return j;
}

/**
 * Whether a streak has a triple ending at the letter or digit at `q`: read
 * whole from W - 1 letters and digits before it to W - 3 after it, where
 * every such streak lies. At least W - 1 are before q.
 */
function streakAround(text: string, q: number, triples: Uint8Array): boolean {
  let from = q;
  for (let n = 0; n < W - 1;) if (DIGIT_OF[text.charCodeAt(--from)] !== 0) n++;
  let to = q;
  for (let n = 0; n < W - 3 && to < text.length - 1;) if (DIGIT_OF[text.charCodeAt(++to)] !== 0) n++;
  return readWhole(text, from, to + 1, Infinity, triples, { triple: 0, marked: 0 }) === -1;
}

/** How many letters and digits `text` has, counting at most `max` (from its end). */
function countAlnum(text: string, max: number): number {
  let n = 0;
  for (let j = text.length - 1; j >= 0 && n < max; j--) {
    if (DIGIT_OF[text.charCodeAt(j)] !== 0) n++;
  }
  return n;
}

function merge(spans: Span[]): Span[] {
  if (spans.length < 2) return spans;
  spans.sort((a, b) => a[0] - b[0]);
  const out: Span[] = [spans[0]!];
  for (const s of spans.slice(1)) {
    const last = out[out.length - 1]!;
    if (s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else out.push(s);
  }
  return out;
}
