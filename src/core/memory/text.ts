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
  const width = options.width ?? 160;
  const open = options.open ?? '«';
  const close = options.close ?? '»';
  const ellipsis = options.ellipsis ?? '…';
  const needles = [...new Set(terms.flatMap((t) => (CJK_RE.test(t) ? words(t) : [t])).filter((t) => t.length > 0))];
  const flat = text.replace(/\s+/g, ' ');
  const re = needlePattern(needles, options);
  const first = re ? flat.search(re) : -1;
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
  if (re) body = body.replace(re, (m) => `${open}${m}${close}`);
  return `${start > 0 ? ellipsis : ''}${body}${end < flat.length ? ellipsis : ''}`;
}

/** One pattern for every needle, longest first; a stem also takes the rest of its word. */
function needlePattern(needles: string[], options: SnippetOptions): RegExp | undefined {
  const start = (needle: string): string =>
    options.wordStart && !CJK_RE.test(needle) ? `(?<![\\p{L}\\p{N}])${escapeRegExp(needle)}` : escapeRegExp(needle);
  const stems = [...new Set((options.stems ?? []).filter((s) => s.length > 0))];
  const parts = [
    ...stems.sort((a, b) => b.length - a.length).map((s) => `(?<![\\p{L}\\p{N}])${escapeRegExp(s)}[\\p{L}\\p{N}]*`),
    ...needles.sort((a, b) => b.length - a.length).map(start),
  ];
  return parts.length > 0 ? new RegExp(parts.join('|'), 'giu') : undefined;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
