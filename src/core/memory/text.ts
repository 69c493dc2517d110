/**
 * Text preparation for the full-text index. FTS5's unicode61 tokenizer splits
 * on spaces and punctuation, which leaves a run of Japanese or Chinese as one
 * token; such text is first split into words with ICU's dictionary segmenter
 * (Intl.Segmenter), the same way for documents and for queries.
 */

const CJK_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const WORDISH_RE = /[\p{L}\p{N}]/u;

let segmenter: Intl.Segmenter | undefined;

function words(text: string): string[] {
  segmenter ??= new Intl.Segmenter('ja', { granularity: 'word' });
  const out: string[] = [];
  for (const s of segmenter.segment(text)) if (s.isWordLike) out.push(s.segment);
  return out;
}

/** What is handed to the tokenizer for a document column. */
export function indexText(value: unknown): string {
  const text = valueToText(value);
  return CJK_RE.test(text) ? words(text).join(' ') : text;
}

export function valueToText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

/**
 * English words too common to say what a question is about ("where do I keep
 * backups"): dropped from queries of several words, never from a quoted
 * phrase, and kept when nothing else is left.
 */
const STOP_WORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves'
  ).split(' '),
);

export interface ParsedQuery {
  /**
   * One entry per term the person typed that the search uses; a quoted "…"
   * group is one term. In a query of several words, stop words and
   * one-letter words are left out (unless nothing else is left).
   */
  terms: string[];
  /** Each term the index can look up, as one FTS5 phrase: as typed, and as a prefix (the same when it may not be one). */
  phrases: QueryPhrase[];
}

export interface QueryPhrase {
  exact: string;
  prefix: string;
}

interface Term {
  text: string;
  quoted: boolean;
}

function splitTerms(query: string): Term[] {
  const terms: Term[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(query); m; m = re.exec(query)) {
    const t = (m[1] ?? m[2] ?? '').trim();
    if (t) terms.push({ text: t, quoted: m[1] !== undefined });
  }
  return terms;
}

/** A word that says little on its own: a stop word, or one letter or digit (not a CJK word). */
function isNoise(term: Term): boolean {
  if (term.quoted) return false;
  const bare = term.text.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '').toLowerCase();
  return STOP_WORDS.has(bare) || ([...bare].length <= 1 && !CJK_RE.test(bare));
}

/** The terms a query of several words is about; all of them when every one is noise. */
export function meaningfulTerms(query: string): string[] {
  const all = splitTerms(query);
  const kept = all.length > 1 ? all.filter((t) => !isNoise(t)) : all;
  return (kept.length > 0 ? kept : all).map((t) => t.text);
}

/**
 * A term becomes one FTS5 phrase (its tokens must be adjacent), quoted so
 * that no character of it is read as query syntax. Terms of three or more
 * characters, and CJK words, may also match as prefixes.
 */
function phrase(term: string): QueryPhrase | undefined {
  if (!WORDISH_RE.test(term)) return undefined;
  const cjk = CJK_RE.test(term);
  const body = cjk ? words(term).join(' ') : term;
  if (!WORDISH_RE.test(body)) return undefined;
  const quoted = `"${body.replace(/"/g, '""')}"`;
  return { exact: quoted, prefix: cjk || [...term].length >= 3 ? `${quoted}*` : quoted };
}

export function parseQuery(query: string): ParsedQuery {
  const terms = meaningfulTerms(query);
  return { terms, phrases: terms.map(phrase).filter((p): p is QueryPhrase => p !== undefined) };
}

export interface SnippetOptions {
  /** Characters of context around the first match; the whole snippet is about this long. */
  width?: number;
  open?: string;
  close?: string;
  ellipsis?: string;
  /** Marks terms only where a word starts (what the full-text index matched), not inside words. */
  wordStart?: boolean;
  /** Stems of the terms (porter: "backups" → "backup"), marked where a word starts with one, so "backup" shows for "backups". */
  stems?: readonly string[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A short window of `text` around the first place a term occurs, with every
 * occurrence inside it marked. Matching is case-insensitive; when no term is
 * found literally (diacritics, segmentation), the start of the text is shown.
 */
export function makeSnippet(text: string, terms: readonly string[], options: SnippetOptions = {}): string {
  return snippetMaker(terms, options)(text);
}

/** `makeSnippet` for many texts and the same terms: the terms are prepared once. */
export function snippetMaker(terms: readonly string[], options: SnippetOptions = {}): (text: string) => string {
  const width = options.width ?? 160;
  const open = options.open ?? '«';
  const close = options.close ?? '»';
  const ellipsis = options.ellipsis ?? '…';
  const needles = [...new Set(terms.flatMap((t) => (CJK_RE.test(t) ? words(t) : [t])).filter((t) => t.length > 0))];
  const marker = needleMatcher(needles, options);
  return (text) => snippetOf(text, marker, width, open, close, ellipsis);
}

function snippetOf(text: string, marker: NeedleMatcher | undefined, width: number, open: string, close: string, ellipsis: string): string {
  const flat = text.replace(/\s+/g, ' ');
  const first = marker ? (marker.matches(flat).next().value?.[0] ?? -1) : -1;
  let start = first < 0 ? 0 : Math.max(0, first - Math.floor(width / 4));
  if (start > 0) {
    const space = flat.lastIndexOf(' ', start);
    if (space > start - 20 && space >= 0) start = space + 1;
  }
  let end = Math.min(flat.length, start + width);
  if (end < flat.length) {
    const space = flat.indexOf(' ', end);
    if (space >= 0 && space < end + 20) end = space;
  }
  // Never cut a surrogate pair in half.
  if (start > 0 && isLowSurrogate(flat.charCodeAt(start))) start++;
  if (end < flat.length && isLowSurrogate(flat.charCodeAt(end))) end++;
  let body = flat.slice(start, end);
  if (marker) body = marker.mark(body, open, close);
  return `${start > 0 ? ellipsis : ''}${body}${end < flat.length ? ellipsis : ''}`;
}

/**
 * A letter or digit, and a run of them, as `[\p{L}\p{N}]` reads with the `iu`
 * flags. Compiled once: V8 takes 1-3 ms to compile a pattern holding these
 * classes, so a pattern built per search around them cost more than the search.
 */
const WORD_CHAR = /[\p{L}\p{N}]/iuy;
const WORD_TAIL = /[\p{L}\p{N}]*/iuy;

/** One way a needle can match: the literal, only where a word starts, and taking the rest of the word (a stem). */
interface Alternative {
  literal: RegExp;
  wordStart: boolean;
  tail: boolean;
}

interface NeedleMatcher {
  /** [start, end) of each match, left to right, not overlapping. */
  matches(text: string): Generator<[number, number]>;
  mark(text: string, open: string, close: string): string;
}

/**
 * Finds the needles as one case-insensitive alternation would, stems (longest
 * first, each taking the rest of its word) before needles (longest first):
 * at the leftmost place any alternative matches, the first that does.
 * Literal positions come from a pattern of the literals alone; whether a
 * word starts there, and where it ends, from the two patterns above.
 */
function needleMatcher(needles: string[], options: SnippetOptions): NeedleMatcher | undefined {
  const stems = [...new Set((options.stems ?? []).filter((s) => s.length > 0))];
  const alternatives: Alternative[] = [
    ...stems.sort((a, b) => b.length - a.length).map((s) => ({ text: s, wordStart: true, tail: true })),
    ...needles
      .sort((a, b) => b.length - a.length)
      .map((n) => ({ text: n, wordStart: options.wordStart === true && !CJK_RE.test(n), tail: false })),
  ].map((a) => ({ literal: new RegExp(escapeRegExp(a.text), 'iuy'), wordStart: a.wordStart, tail: a.tail }));
  if (alternatives.length === 0) return undefined;
  const literals = [...new Set([...stems, ...needles])];
  const anyLiteral = new RegExp(literals.map(escapeRegExp).join('|'), 'giu');
  function* matches(text: string): Generator<[number, number]> {
    for (let from = 0; from <= text.length;) {
      anyLiteral.lastIndex = from;
      const found = anyLiteral.exec(text);
      if (!found) return;
      const at = found.index;
      const end = matchAt(alternatives, text, at);
      if (end === undefined) {
        from = at + (isHighSurrogate(text.charCodeAt(at)) && isLowSurrogate(text.charCodeAt(at + 1)) ? 2 : 1);
        continue;
      }
      yield [at, end];
      from = end;
    }
  }
  return {
    matches,
    mark(text, open, close) {
      let out = '';
      let last = 0;
      for (const [s, e] of matches(text)) {
        out += `${text.slice(last, s)}${open}${text.slice(s, e)}${close}`;
        last = e;
      }
      return out + text.slice(last);
    },
  };
}

/** Where the first alternative that matches at `at` ends, or undefined when none does. */
function matchAt(alternatives: Alternative[], text: string, at: number): number | undefined {
  for (const alt of alternatives) {
    if (alt.wordStart && followsWordChar(text, at)) continue;
    alt.literal.lastIndex = at;
    if (!alt.literal.test(text)) continue;
    if (!alt.tail) return alt.literal.lastIndex;
    WORD_TAIL.lastIndex = alt.literal.lastIndex;
    WORD_TAIL.test(text);
    return WORD_TAIL.lastIndex;
  }
  return undefined;
}

/** True when the character before `at` is a letter or digit (what the lookbehind `(?<![\p{L}\p{N}])` rules out). */
function followsWordChar(text: string, at: number): boolean {
  if (at === 0) return false;
  const before = at >= 2 && isLowSurrogate(text.charCodeAt(at - 1)) && isHighSurrogate(text.charCodeAt(at - 2)) ? at - 2 : at - 1;
  WORD_CHAR.lastIndex = before;
  return WORD_CHAR.test(text);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
