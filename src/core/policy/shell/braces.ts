import type { Dyn, RawWord, Tok } from './words';

/**
 * Brace expansion as bash does it (`{a,b}`, `{1..3}`, `{a..e..2}`, nested),
 * on words whose characters carry their quoting: only unquoted braces and
 * commas count. The number of words is capped so `{1..99999999}` fails
 * closed instead of exhausting memory.
 */

export const MAX_BRACE_WORDS = 512;

export class WordTooComplexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WordTooComplexError';
  }
}

export function isDyn(t: Tok): t is Dyn {
  return (t as Dyn).dyn !== undefined;
}

export function isCh(t: Tok | undefined, c: string): boolean {
  return t !== undefined && !isDyn(t) && !t.q && t.c === c;
}

function staticText(toks: readonly Tok[]): string | undefined {
  let s = '';
  for (const t of toks) {
    if (isDyn(t) || t.q) return undefined;
    s += t.c;
  }
  return s;
}

function sequence(body: readonly Tok[]): Tok[][] | undefined {
  const text = staticText(body);
  if (text === undefined) return undefined;
  const m = /^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?$/.exec(text);
  if (!m) return undefined;
  const [, a = '', b = '', stepText] = m;
  const numeric = /^-?\d+$/.test(a) && /^-?\d+$/.test(b);
  if (!numeric && (/\d/.test(a) || /\d/.test(b))) return undefined;
  let step = Math.abs(stepText === undefined ? 1 : parseInt(stepText, 10)) || 1;
  const start = numeric ? parseInt(a, 10) : a.charCodeAt(0);
  const end = numeric ? parseInt(b, 10) : b.charCodeAt(0);
  const count = Math.floor(Math.abs(end - start) / step) + 1;
  if (count > MAX_BRACE_WORDS) throw new WordTooComplexError(`brace expansion {${text}} makes ${count} words`);
  if (end < start) step = -step;
  const width = numeric && (/^-?0\d/.test(a) || /^-?0\d/.test(b)) ? Math.max(a.replace('-', '').length, b.replace('-', '').length) : 0;
  const items: Tok[][] = [];
  for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
    let s = numeric ? String(Math.abs(v)).padStart(width, '0') : String.fromCharCode(v);
    if (numeric && v < 0) s = `-${s}`;
    items.push([...s].map((c) => ({ c, q: true })));
  }
  return items;
}

/** Splits the inside of `{…}` on top-level unquoted commas; undefined when it is not a brace expansion. */
function alternatives(body: readonly Tok[]): Tok[][] | undefined {
  const parts: Tok[][] = [[]];
  let depth = 0;
  for (const t of body) {
    if (isCh(t, '{')) depth++;
    else if (isCh(t, '}')) depth--;
    if (depth === 0 && isCh(t, ',')) {
      parts.push([]);
      continue;
    }
    (parts[parts.length - 1] as Tok[]).push(t);
  }
  return parts.length > 1 ? parts : sequence(body);
}

export function braceExpand(word: RawWord, budget: { left: number }): RawWord[] {
  for (let i = 0; i < word.length; i++) {
    if (!isCh(word[i], '{')) continue;
    let depth = 0;
    for (let j = i; j < word.length; j++) {
      if (isCh(word[j], '{')) depth++;
      else if (isCh(word[j], '}') && --depth === 0) {
        const alts = alternatives(word.slice(i + 1, j));
        if (!alts) break; // `{x}` or `{}`: literal; look for a later brace
        const out: RawWord[] = [];
        const pre = word.slice(0, i);
        const post = word.slice(j + 1);
        for (const alt of alts) {
          for (const w of braceExpand([...pre, ...alt, ...post], budget)) {
            if (--budget.left < 0) throw new WordTooComplexError(`brace expansion makes more than ${MAX_BRACE_WORDS} words`);
            out.push(w);
          }
        }
        return out;
      }
    }
  }
  return [word];
}
