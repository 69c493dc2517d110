import type { Decision, RuleRef } from '../../../shared/policy';
import { DEFAULT_PERMISSIONS } from '../../config/defaults';
import type { LoadedConfig } from '../../config/load';
import { problemAtKey, type ConfigProblem } from '../../config/problems';
import { selectProfile, type SelectProfileOptions } from '../../config/profiles';
import { matchesPattern, type MatchContext, type MatchMode } from './match';
import type { BashParser } from '../shell/parser';
import { compilePattern, PatternError, type CompiledPattern, type SimplePattern, type StructuralPattern } from './pattern';
import type { PatternCache } from './pattern-cache';
import { compileToolPattern, isToolPattern, ToolRuleBook } from './tool-rules';
import type { Layer } from '../shell/types';

/** The configured lists, compiled and indexed by program so a decision looks at few patterns. */

export interface Rule<P extends CompiledPattern = CompiledPattern> {
  ref: RuleRef;
  pattern: P;
}

export const RESTRICTIVE: readonly Decision[] = ['deny', 'require_approval', 'notify'];
export const ALL_LISTS: readonly Decision[] = ['deny', 'require_approval', 'notify', 'auto_allow'];

interface ListIndex {
  byProgram: Map<string, Rule<SimplePattern>[]>;
  wildcard: Rule<SimplePattern>[];
}

export class RuleBook {
  private readonly lists = new Map<Decision, ListIndex>();
  readonly structural: Rule<StructuralPattern>[] = [];
  readonly rules: Rule[] = [];
  /** `mcp__server__tool` entries of the same lists. */
  readonly tools = new ToolRuleBook();

  add(rule: Rule): void {
    this.rules.push(rule);
    const p = rule.pattern;
    if (p.kind === 'structural') {
      this.structural.push(rule as Rule<StructuralPattern>);
      return;
    }
    let list = this.lists.get(rule.ref.list);
    if (!list) {
      list = { byProgram: new Map(), wildcard: [] };
      this.lists.set(rule.ref.list, list);
    }
    const simple = rule as Rule<SimplePattern>;
    if (p.programLiteral === undefined) list.wildcard.push(simple);
    else {
      const bucket = list.byProgram.get(p.programLiteral) ?? [];
      bucket.push(simple);
      list.byProgram.set(p.programLiteral, bucket);
    }
  }

  /** The first rule of `list` that matches this reading. */
  first(list: Decision, layer: Layer, ctx: MatchContext): Rule<SimplePattern> | undefined {
    const index = this.lists.get(list);
    if (!index) return undefined;
    const mode: MatchMode = list === 'auto_allow' ? 'allow' : 'restrict';
    const candidates = index.byProgram.get(layer.program);
    if (candidates) for (const r of candidates) if (matchesPattern(r.pattern, layer, mode, ctx)) return r;
    for (const r of index.wildcard) if (matchesPattern(r.pattern, layer, mode, ctx)) return r;
    return undefined;
  }

  /** Simple-command facts of structural patterns are matched like restrictive rules. */
  matchesAnyLayer(p: SimplePattern, layers: readonly Layer[], ctx: MatchContext): boolean {
    return layers.some((l) => matchesPattern(p, l, 'restrict', ctx));
  }
}

export interface CompiledPolicy {
  base: RuleBook;
  profile?: RuleBook;
  profileName?: string;
  /** True when running on the safe fallback because of `problems`. */
  fallback: boolean;
  problems: ConfigProblem[];
  /** `[permissions] replace_shipped = true`: the shipped floor was dropped. */
  replaceShipped: boolean;
  /** What no rule names: run confined (default) or ask; `ask` in the permissions or the selected profile wins. */
  unknown?: 'confine' | 'ask';
}

type Compile = (text: string) => CompiledPattern;

/** compilePattern, through `cache` when there is one. */
function compiler(parser: BashParser, cache: PatternCache | undefined): Compile {
  if (!cache) return (text) => compilePattern(parser, text);
  return (text) => {
    const known = cache.get(text);
    if (known) return known;
    const pattern = compilePattern(parser, text);
    cache.set(text, pattern);
    return pattern;
  };
}

function compileList(
  compile: Compile,
  book: RuleBook,
  patterns: readonly string[] | undefined,
  list: Decision,
  keyPrefix: string,
  source: RuleRef['source'],
  file: string,
  problems: ConfigProblem[],
  profile?: string,
  own?: readonly string[],
): void {
  (patterns ?? []).forEach((text, i) => {
    try {
      if (isToolPattern(text)) {
        book.tools.add({ ref: { list, pattern: text, source, profile }, pattern: compileToolPattern(text) });
        return;
      }
      const pattern = compile(text);
      book.add({ ref: { list, pattern: text, source, profile }, pattern });
    } catch (err) {
      const message =
        err instanceof PatternError
          ? `pattern ${JSON.stringify(text)}: ${err.message}${err.at !== undefined ? ` (at character ${err.at} of the pattern)` : ''}`
          : `pattern ${JSON.stringify(text)} cannot be compiled: ${(err as Error).message}`;
      // The effective list starts with the shipped floor: point at the entry in the file itself.
      const at = own?.indexOf(text) ?? -1;
      problems.push(problemAtKey(file, `${keyPrefix}.${list}[${at >= 0 ? at : i}]`, message));
    }
  });
}

/** The shipped deny list alone: what runs when the configuration cannot be trusted. */
export function fallbackBook(parser: BashParser, cache?: PatternCache): RuleBook {
  const book = new RuleBook();
  const problems: ConfigProblem[] = [];
  compileList(compiler(parser, cache), book, DEFAULT_PERMISSIONS.deny, 'deny', 'permissions', 'fallback', '(built-in defaults)', problems);
  if (problems.length > 0) throw new Error(`the built-in deny list does not compile: ${problems.map((p) => p.message).join('; ')}`);
  return book;
}

/** Compiles every list and profile of `loaded`; `cache` (optional) holds patterns compiled by earlier processes. */
export function compilePolicy(parser: BashParser, loaded: LoadedConfig, opts: SelectProfileOptions, cache?: PatternCache): CompiledPolicy {
  const compile = compiler(parser, cache);
  const problems: ConfigProblem[] = [...loaded.problems];
  const file = loaded.file;
  const base = new RuleBook();
  const perms = loaded.config.permissions;
  const own = loaded.policySources?.own;
  for (const list of ALL_LISTS)
    compileList(compile, base, perms[list], list, 'permissions', 'permissions', file, problems, undefined, own?.permissions[list]);

  // Every profile is compiled, so a typo in another machine's profile is caught here too.
  const profiles = new Map<string, RuleBook>();
  for (const [name, profile] of Object.entries(loaded.config.profiles)) {
    const book = new RuleBook();
    for (const list of RESTRICTIVE) {
      const l = list as 'deny' | 'require_approval' | 'notify';
      compileList(
        compile,
        book,
        profile.permissions[l],
        list,
        `profiles.${name}.permissions`,
        'profile',
        file,
        problems,
        name,
        own?.profiles[name]?.permissions[l],
      );
    }
    profiles.set(name, book);
  }
  const selected = selectProfile(loaded.config, file, opts);
  if (selected.problem) problems.push(selected.problem);

  if (problems.length > 0) return { base: fallbackBook(parser, cache), fallback: true, problems, replaceShipped: false };
  const name = selected.choice?.name;
  const profile = name !== undefined ? profiles.get(name) : undefined;
  const replaceShipped = loaded.policySources?.replaceShipped ?? false;
  const unknown =
    perms.unknown === 'ask' || (name !== undefined && loaded.config.profiles[name]?.permissions.unknown === 'ask') ? 'ask' : 'confine';
  return {
    base,
    ...(profile && name !== undefined ? { profile, profileName: name } : {}),
    fallback: false,
    problems,
    replaceShipped,
    unknown,
  };
}
