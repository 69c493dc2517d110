import type { Flag } from '../programs/options';
import { resolvePath } from '../shell/paths';
import type { PatternFlag, SimplePattern, WordMatcher } from './pattern';
import type { Layer } from '../shell/types';
import type { Arg, GlobWord } from '../shell/words';

/**
 * Matching one reading of a command against one simple pattern.
 *
 * Two modes, because the lists pull in opposite directions:
 * - `restrict` (deny, require_approval, notify): adding words must never
 *   escape a rule. The pattern's flags must all be present (others may be
 *   too); each pattern argument must match a different argument of the
 *   command, in any order; arguments are also compared as paths resolved
 *   against the working directory (`rm -rf ../..` from /home/me is `/`).
 * - `allow` (auto_allow): the command must be what the pattern says. The
 *   same arguments in the same order and no other flags, unless the pattern
 *   ends in `*` (more arguments) or a flag word ends in `*` (more flags). A
 *   bare program name allows any arguments.
 *
 * A word known only at run time matches a pattern word only when every
 * possible value would (`*`, or `abc*` when the word starts with `abc`).
 */

export type MatchMode = 'allow' | 'restrict';

export interface MatchContext {
  home: string | undefined;
  /** Directories relative paths may be relative to (the working directory, plus any `cd` in the line). */
  cwds: readonly string[];
}

const regexCache = new Map<string, RegExp>();

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function altText(alt: GlobWord, home: string | undefined): { parts: Array<string | null>; slash: boolean } {
  let parts = alt.parts;
  if (alt.tilde) parts = [home ?? '~', ...parts];
  const slash = parts.some((p) => p !== null && p.includes('/'));
  return { parts, slash };
}

/** `*` matches anything; in a word with a `/` it stays within one path component, as the shell's glob does. */
function compile(parts: ReadonlyArray<string | null>, slash: boolean): RegExp {
  const key = `${slash ? 1 : 0}\u0000${parts.map((p) => (p === null ? '\u0001' : p)).join('\u0000')}`;
  let re = regexCache.get(key);
  if (!re) {
    const star = slash ? '[^/]*' : '[\\s\\S]*';
    re = new RegExp(`^${parts.map((p) => (p === null ? star : escapeRegex(p))).join('')}$`);
    if (regexCache.size > 4096) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

/** Compiled forms per pattern word, so matching a line allocates nothing for patterns seen before. */
const altRegex = new WeakMap<GlobWord, { home: string | undefined; re: RegExp | string }>();

function altMatcher(alt: GlobWord, home: string | undefined): RegExp | string {
  const cached = altRegex.get(alt);
  if (cached && (!alt.tilde || cached.home === home)) return cached.re;
  const { parts, slash } = altText(alt, home);
  const re = parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : compile(parts, slash);
  altRegex.set(alt, { home, re });
  return re;
}

function literalMatch(m: WordMatcher, text: string, home: string | undefined): boolean {
  for (const alt of m.alts) {
    const re = altMatcher(alt, home);
    if (typeof re === 'string' ? re === text : re.test(text)) return true;
  }
  return false;
}

/** Would every value of this run-time word match? */
function dynamicMatch(m: WordMatcher, arg: Arg, home: string | undefined): boolean {
  if (arg.splits) return false; // it may be no word at all, or several
  for (const alt of m.alts) {
    const { parts, slash } = altText(alt, home);
    if (parts.length === 1 && parts[0] === null) return true;
    if (slash || parts.length !== 2 || parts[1] !== null || typeof parts[0] !== 'string') continue;
    if (arg.prefix.startsWith(parts[0])) return true;
  }
  return false;
}

/** A pattern word as a path resolved against `cwd` (its `*` kept, within one component). */
const resolvedAlt = new WeakMap<GlobWord, Map<string, RegExp>>();

function resolvedMatcher(alt: GlobWord, cwd: string, home: string | undefined): RegExp {
  let byCwd = resolvedAlt.get(alt);
  if (!byCwd) {
    byCwd = new Map();
    resolvedAlt.set(alt, byCwd);
  }
  const key = alt.tilde ? `${cwd}\u0000${home ?? ''}` : cwd;
  let re = byCwd.get(key);
  if (!re) {
    const { parts } = altText(alt, home);
    const text = parts.map((p) => (p === null ? '\u0001' : p)).join('');
    const resolvedParts: Array<string | null> = [];
    resolvePath(text, cwd)
      .split('\u0001')
      .forEach((lit, i) => {
        if (i > 0) resolvedParts.push(null);
        if (lit !== '') resolvedParts.push(lit);
      });
    re = compile(resolvedParts, true);
    if (byCwd.size > 64) byCwd.clear();
    byCwd.set(key, re);
  }
  return re;
}

function pathMatch(m: WordMatcher, arg: Arg, ctx: MatchContext): boolean {
  if (arg.tilde) return false;
  for (const cwd of ctx.cwds) {
    const resolved = resolvePath(arg.text, cwd);
    for (const alt of m.alts) if (resolvedMatcher(alt, cwd, ctx.home).test(resolved)) return true;
  }
  return false;
}

export function wordMatches(m: WordMatcher, arg: Arg, mode: MatchMode, ctx: MatchContext): boolean {
  if (arg.dynamic || arg.tilde) return dynamicMatch(m, arg, ctx.home);
  if (literalMatch(m, arg.text, ctx.home)) return true;
  return mode === 'restrict' && pathMatch(m, arg, ctx);
}

function flagMatches(p: PatternFlag, f: Flag, mode: MatchMode, ctx: MatchContext): boolean {
  if (p.name !== f.name) return false;
  if (!p.value) return true;
  return f.value !== undefined && wordMatches(p.value, f.value, mode, ctx);
}

/** Each pattern word takes a different command word (tiny sizes: plain backtracking). */
function assignAnywhere(pats: readonly WordMatcher[], args: readonly Arg[], used: boolean[], i: number, ctx: MatchContext): boolean {
  if (i === pats.length) return true;
  const p = pats[i] as WordMatcher;
  for (let k = 0; k < args.length; k++) {
    if (used[k]) continue;
    if (!wordMatches(p, args[k] as Arg, 'restrict', ctx)) continue;
    used[k] = true;
    if (assignAnywhere(pats, args, used, i + 1, ctx)) return true;
    used[k] = false;
  }
  return false;
}

function programMatches(p: SimplePattern, layer: Layer, ctx: MatchContext): boolean {
  if (layer.dynamicProgram) return p.program.alts.some((a) => a.parts.length === 1 && a.parts[0] === null);
  if (p.programLiteral !== undefined) return p.programLiteral === layer.program;
  return literalMatch(p.program, layer.program, ctx.home);
}

export function matchesPattern(p: SimplePattern, layer: Layer, mode: MatchMode, ctx: MatchContext): boolean {
  if (!programMatches(p, layer, ctx)) return false;
  if (p.bare) return true;
  const { flags, positionals } = layer.parsed;
  for (const pf of p.flags) if (!flags.some((f) => flagMatches(pf, f, mode, ctx))) return false;
  if (mode === 'restrict') {
    return assignAnywhere(p.positionals, positionals, new Array<boolean>(positionals.length).fill(false), 0, ctx);
  }
  // allow: exact, except where the pattern says `*`.
  if (layer.open || layer.parsed.uncertain) return false;
  if (!p.open && !p.extraFlags) {
    for (const f of flags) if (!p.flags.some((pf) => flagMatches(pf, f, mode, ctx))) return false;
  }
  if (p.open ? positionals.length < p.positionals.length : positionals.length !== p.positionals.length) return false;
  for (let i = 0; i < p.positionals.length; i++) {
    if (!wordMatches(p.positionals[i] as WordMatcher, positionals[i] as Arg, 'allow', ctx)) return false;
  }
  return true;
}
