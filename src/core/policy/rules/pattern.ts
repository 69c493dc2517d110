import type { Node } from 'web-tree-sitter';
import { parseArgs } from '../programs/options';
import type { BashParser } from '../shell/parser';
import { programName } from '../shell/paths';
import { canonicalBody } from '../shell/walk';
import { globAlternatives, rawWordOf, staticArg, type Arg, type GlobWord } from '../shell/words';

/**
 * Compiles a configured pattern. A pattern is parsed like a command, then:
 * - a simple command becomes a word-by-word matcher (program, a set of
 *   canonical flags, positional words with `*` wildcards);
 * - anything else (a function definition, a list) becomes a set of facts
 *   that must all be present in the line, which is how the fork bomb
 *   `:(){ :|:& };:` matches however it is spaced.
 */

export class PatternError extends Error {
  constructor(
    message: string,
    /** 1-based character in the pattern where the problem is, when known. */
    readonly at?: number,
  ) {
    super(message);
    this.name = 'PatternError';
  }
}

export interface WordMatcher {
  source: string;
  alts: GlobWord[];
}

export interface PatternFlag {
  name: string;
  value?: WordMatcher;
}

export interface SimplePattern {
  kind: 'simple';
  source: string;
  program: WordMatcher;
  /** The program name when it has no wildcard: the index key. */
  programLiteral?: string;
  flags: PatternFlag[];
  positionals: WordMatcher[];
  /** Ends in `*`: further arguments may follow. */
  open: boolean;
  /** A flag word ends in `*` (`-Q*`): other flags may be present. */
  extraFlags: boolean;
  /** Just a program name: the program with any arguments (floors still apply). */
  bare: boolean;
}

export interface StructuralPattern {
  kind: 'structural';
  source: string;
  /** Canonical bodies of functions the line must define. */
  functions: string[];
  /** Simple commands the line must contain. */
  commands: SimplePattern[];
}

export type CompiledPattern = SimplePattern | StructuralPattern;

function firstError(node: Node): Node | undefined {
  if (node.isError || node.isMissing) return node;
  if (!node.hasError) return undefined;
  for (const child of node.children) {
    const found = firstError(child);
    if (found) return found;
  }
  return node;
}

const noNested = (node: Node): void => {
  throw new PatternError(
    `a pattern cannot contain ${node.text.startsWith('`') ? '`…`' : node.text.slice(0, 2) + '…)'}`,
    node.startIndex + 1,
  );
};

function matcherFromText(text: string): WordMatcher {
  const parts: Array<string | null> = [];
  text.split('*').forEach((lit, i) => {
    if (i > 0) parts.push(null);
    if (lit !== '') parts.push(lit);
  });
  return { source: text, alts: [{ parts, tilde: text === '~' || text.startsWith('~/'), text, dynamic: false }] };
}

function isStarOnly(m: WordMatcher): boolean {
  return m.alts.length === 1 && m.alts[0]!.parts.length === 1 && m.alts[0]!.parts[0] === null;
}

function endsWithStar(m: WordMatcher): boolean {
  return m.alts.every((a) => a.parts[a.parts.length - 1] === null);
}

function simplePattern(node: Node, source: string): SimplePattern {
  const wordNodes: Node[] = [];
  for (const child of node.children) {
    if (child.type === 'comment') continue;
    if (child.type === 'variable_assignment') throw new PatternError('a pattern cannot set variables (NAME=value)', child.startIndex + 1);
    if (child.type.endsWith('_redirect')) throw new PatternError('a pattern cannot contain redirections', child.startIndex + 1);
    wordNodes.push(child);
  }
  const groups: Node[][] = [];
  for (const n of wordNodes) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1]!.endIndex === n.startIndex) last.push(n);
    else groups.push([n]);
  }
  const words: WordMatcher[] = groups.map((g) => {
    const alts = globAlternatives(rawWordOf(g, noNested));
    if (alts.some((a) => a.dynamic)) throw new PatternError('a pattern cannot contain $-expansions', g[0]!.startIndex + 1);
    return { source: g.map((n) => n.text).join(''), alts };
  });
  const [programWord, ...rest] = words;
  if (!programWord) throw new PatternError('the pattern names no program');
  let program = programWord;
  let programLiteral: string | undefined;
  const single = programWord.alts.length === 1 ? programWord.alts[0]! : undefined;
  if (single && !single.tilde && single.parts.length === 1 && typeof single.parts[0] === 'string') {
    programLiteral = programName(single.parts[0]).name;
    program = { source: programWord.source, alts: [{ ...single, parts: [programLiteral], text: programLiteral }] };
  }

  let open = false;
  let extraFlags = false;
  const proxies: Arg[] = [];
  const matcherOf = new Map<Arg, WordMatcher>();
  rest.forEach((w, i) => {
    const last = i === rest.length - 1;
    const text = w.alts[0]!.text;
    if (last && isStarOnly(w)) {
      open = true;
      return;
    }
    if (
      w.alts.length === 1 &&
      text.startsWith('-') &&
      text.length > 1 &&
      endsWithStar(w) &&
      w.alts[0]!.parts.filter((p) => p === null).length === 1
    ) {
      extraFlags = true;
      if (last) open = true;
      const arg = staticArg(text.slice(0, -1));
      proxies.push(arg);
      return;
    }
    if (last && endsWithStar(w)) open = true;
    const arg = staticArg(text);
    proxies.push(arg);
    matcherOf.set(arg, w);
  });
  const parsed = parseArgs(programLiteral ?? '', proxies);
  const flags: PatternFlag[] = parsed.flags.map((f) =>
    f.value ? { name: f.name, value: matcherOf.get(f.value) ?? matcherFromText(f.value.text) } : { name: f.name },
  );
  const positionals = parsed.positionals.map((p) => matcherOf.get(p) ?? matcherFromText(p.text));
  return {
    kind: 'simple',
    source,
    program,
    programLiteral,
    flags,
    positionals,
    open,
    extraFlags,
    bare: rest.length === 0,
  };
}

const CONTAINERS = new Set(['program', 'list', 'pipeline', 'subshell', 'compound_statement']);

function collectFacts(
  node: Node,
  source: string,
  out: { functions: Array<{ name: string; body: string }>; commands: SimplePattern[] },
): void {
  for (const child of node.namedChildren) {
    if (child.type === 'comment') continue;
    if (child.type === 'command') out.commands.push(simplePattern(child, child.text));
    else if (child.type === 'function_definition') {
      const name = child.childForFieldName('name')?.text ?? '';
      const body = child.childForFieldName('body');
      if (!body) throw new PatternError('a function in a pattern needs a body', child.startIndex + 1);
      out.functions.push({ name, body: canonicalBody(body, name, undefined) });
    } else if (CONTAINERS.has(child.type)) collectFacts(child, source, out);
    else throw new PatternError(`'${child.text}' (${child.type.replace(/_/g, ' ')}) is not supported in a pattern`, child.startIndex + 1);
  }
}

export function compilePattern(parser: BashParser, source: string): CompiledPattern {
  if (source.trim() === '') throw new PatternError('the pattern is empty');
  const tree = parser.parse(source);
  try {
    const root = tree.rootNode;
    const bad = firstError(root);
    if (bad) throw new PatternError('the pattern is not a valid shell command', bad.startIndex + 1);
    const top = root.namedChildren.filter((c) => c.type !== 'comment');
    if (top.length === 1 && top[0]!.type === 'command') return simplePattern(top[0]!, source);
    if (top.length === 1 && top[0]!.type === 'redirected_statement')
      throw new PatternError('a pattern cannot contain redirections', top[0]!.startIndex + 1);
    const facts: { functions: Array<{ name: string; body: string }>; commands: SimplePattern[] } = { functions: [], commands: [] };
    collectFacts(root, source, facts);
    const defined = new Set(facts.functions.map((f) => f.name));
    // Calling a function the pattern defines is part of the definition fact.
    const commands = facts.commands.filter((c) => c.programLiteral === undefined || !defined.has(c.programLiteral));
    if (facts.functions.length === 0 && commands.length === 0) throw new PatternError('the pattern contains no command');
    return { kind: 'structural', source, functions: facts.functions.map((f) => f.body), commands };
  } finally {
    tree.delete();
  }
}
