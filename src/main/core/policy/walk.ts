import type { Node } from 'web-tree-sitter';
import { SHELLS } from './carriers';
import { isSensitiveVariable } from './danger';
import { scanExpansions } from './expansions';
import { Fidelity, type Repair } from './fidelity';
import { lexCommands } from './lexer';
import { heredocSubstitutions, readRedirect, type RedirectHost, type RedirectReading } from './redirects';
import { programName } from './paths';
import { lastCommand, literalOutput, SUBSCRIPT_EVALUATORS, subscriptCode } from './shapes';
import type { CommandContext, Floor, StdinSource, WriteTarget } from './types';
import { appendWordNode, expandAssignmentValue, expandWord, quotedWord, rawWordOf, WordTooComplexError, type Arg, type RawWord } from './words';

/**
 * Walks a bash syntax tree and collects every simple command that will run,
 * wherever it sits: lists, pipelines, subshells, brace groups, loops and
 * conditionals, function bodies, command and process substitutions, heredoc
 * continuations. Each command carries what it inherits from its place
 * (stdin from a pipe or heredoc, redirections of an enclosing group, the
 * function it is defined in).
 */

export interface RawCommand {
  text: string;
  argv: Arg[];
  assignments: Arg[];
  writes: WriteTarget[];
  ctx: CommandContext;
  start: number;
  end: number;
  /** Words read from text the grammar could not parse: only rules that tighten apply. */
  guessed?: boolean;
}

export interface FunctionDef {
  name: string;
  /** The body with spacing, quoting and the function's own name normalised away: `{ λ | λ & }`. */
  canonicalBody: string;
  start: number;
  end: number;
}

export interface WalkResult {
  commands: RawCommand[];
  functions: FunctionDef[];
  floors: Floor[];
  /** Files `<` redirections read. */
  reads: Arg[];
  /** tree-sitter's reading disagrees with bash's (a newline swallowed into a command, an escaped space dropped). */
  doubtful: boolean;
  /** Edits of the source that make the grammar read it as bash does; see `applyRepairs`. */
  repairs: Repair[];
  /** Code to parse on its own (command substitutions inside heredoc bodies). */
  code: Array<{ code: string; ctx: CommandContext }>;
}

interface Bound {
  /** Start of the command they belong to. */
  target: number;
  writes: WriteTarget[];
  /** Words tree-sitter attached to a redirection that bash passes to the command: `cmd >f arg`. */
  extraArgs: Array<{ at: number; nodes: Node[] }>;
  stdin?: StdinSource;
  stdinCode?: string;
}

interface Env {
  ctx: CommandContext;
  /** Redirection writes of enclosing groups: `{ a; b; } > f` writes f from both. */
  writes: WriteTarget[];
  /**
   * Redirections bash binds to one simple command: tree-sitter wraps
   * `a && b > f` or `a | b <<EOF` whole, but they belong to the last command.
   */
  bound?: Bound[];
  /** Literal output of the command before a pipeline tree-sitter split off (`cat <<EOF | sh`). */
  pipeInput?: string;
}

const MAX_TREE_DEPTH = 400;

const REDIRECT_TYPES = new Set(['file_redirect', 'heredoc_redirect', 'herestring_redirect']);
const WORD_TYPES = new Set([
  'word', 'string', 'raw_string', 'concatenation', 'number', 'ansi_c_string', 'translated_string', 'simple_expansion',
  'expansion', 'command_substitution', 'brace_expression', 'arithmetic_expansion', 'process_substitution', 'command_name',
]);

class Walker {
  readonly commands: RawCommand[] = [];
  readonly functions: FunctionDef[] = [];
  readonly floors: Floor[] = [];
  /** Files `<` redirections read. */
  readonly reads: Arg[] = [];
  private depth = 0;
  private tooDeep = false;

  constructor(private readonly home: string | undefined) {}

  private expand(word: RawWord): Arg[] {
    try {
      return expandWord(word, { home: this.home });
    } catch (err) {
      if (!(err instanceof WordTooComplexError)) throw err;
      this.floors.push({ decision: 'require_approval', reason: `${err.message}: too many to judge` });
      const text = word.map((t) => ('dyn' in t ? t.dyn : t.c)).join('');
      return [{ text, dynamic: true, prefix: '', splits: true, glob: false, tilde: false }];
    }
  }

  /** Judges the commands inside `$(…)`, backticks, `<(…)` and `>(…)`. */
  private readonly nested = (env: Env) => (node: Node): void => {
    this.fidelity.gaps(node);
    const kind = node.type === 'process_substitution' ? `${node.text.slice(0, 1)}(…)` : node.text.startsWith('`') ? '`…`' : '$(…)';
    const ctx: CommandContext = {
      ...env.ctx,
      via: [...env.ctx.via, kind],
      stdin: kind === '>(…)' ? 'pipe' : undefined,
      stdinCode: undefined,
    };
    const before = this.commands.length;
    for (const child of node.namedChildren) this.statement(child, { ctx, writes: [] });
    if (kind === '<(…)') {
      const out = this.outputSince(before, ctx.via.length);
      if (out !== undefined) this.printed.set(node.startIndex, out);
    }
  };

  /** What the commands inside a `<(…)` print, when literal: code if a shell or `source` reads that file. */
  private readonly printed = new Map<number, string>();

  private printedBy(nodes: readonly Node[]): string[] {
    const out: string[] = [];
    const visit = (n: Node): void => {
      if (n.type === 'process_substitution') {
        const p = this.printed.get(n.startIndex);
        if (p !== undefined) out.push(p);
        return;
      }
      for (const c of n.namedChildren) visit(c);
    };
    for (const n of nodes) visit(n);
    return out;
  }

  private words(nodes: readonly Node[], env: Env): Arg[] {
    for (const n of nodes) this.fidelity.words(n);
    return this.expand(rawWordOf(nodes, this.nested(env)));
  }

  statement(node: Node, env: Env): void {
    if (++this.depth > MAX_TREE_DEPTH) {
      if (!this.tooDeep) this.floors.push({ decision: 'require_approval', reason: 'the line is nested too deeply to judge' });
      this.tooDeep = true;
      this.depth--;
      return;
    }
    try {
      this.fidelity.gaps(node);
      this.dispatch(node, env);
    } finally {
      this.depth--;
    }
  }

  private dispatch(node: Node, env: Env): void {
    switch (node.type) {
      case 'command':
        this.command(node, env);
        return;
      case 'redirected_statement':
        this.redirected(node, env);
        return;
      case 'pipeline':
        this.pipeline(node, env);
        return;
      case 'function_definition':
        this.functionDefinition(node, env);
        return;
      case 'variable_assignment':
        this.assignment(node, env);
        return;
      case 'declaration_command':
        this.subscripts(node.text, env, node.firstChild?.type ?? 'declare');
        for (const child of node.namedChildren) {
          if (child.type === 'variable_assignment') this.assignment(child, env);
          else this.statement(child, env);
        }
        return;
      case 'command_substitution':
      case 'process_substitution':
        this.nested(env)(node);
        return;
      case 'comment':
        return;
      case 'file_redirect': {
        // A bare redirection (`$(< f)`, `$(> f)`): it reads or truncates its file.
        const r = this.redirectTarget(node, env);
        if (r.writes.length > 0) this.commands.push({ text: node.text, argv: [], assignments: [], writes: r.writes, ctx: env.ctx, start: node.startIndex, end: node.endIndex });
        return;
      }
      case 'heredoc_body':
        heredocSubstitutions(node, node, this.host(env).code);
        return;
      case 'heredoc_start':
      case 'heredoc_end':
        return;
      case 'test_command':
      case 'unset_command':
      case 'arithmetic_expansion':
        this.subscripts(node.text, env, node.type === 'unset_command' ? 'unset' : node.type === 'test_command' ? '[[ ]]' : '$(( ))');
        for (const child of node.namedChildren) this.statement(child, env);
        return;
      default:
        if (node.type === 'compound_statement' && node.firstChild?.type === '((') this.subscripts(node.text, env, '(( ))');
        for (const child of node.namedChildren) this.statement(child, env);
    }
  }

  /**
   * The literal text printed by the commands walked since `before` (those at
   * this nesting level), when any of them print literal text. Partial output
   * is fine: it is only parsed to find more to forbid.
   */
  private outputSince(before: number, viaDepth: number): string | undefined {
    const parts: string[] = [];
    for (const cmd of this.commands.slice(before)) {
      if (cmd.ctx.via.length !== viaDepth) continue;
      const out = literalOutput(cmd);
      if (out !== undefined) parts.push(out);
    }
    return parts.length > 0 ? parts.join('') : undefined;
  }

  readonly fidelity = new Fidelity();

  /** `'a[$(cmd)]'` given to something that evaluates subscripts runs cmd, quotes or not. */
  private subscripts(text: string, env: Env, where: string): void {
    const code = subscriptCode(text);
    if (code.length === 0) return;
    this.floors.push({ decision: 'require_approval', reason: `${where} evaluates an array subscript containing $(…) or \`…\`, which runs code` });
    for (const c of code) this.code.push({ code: c, ctx: { ...env.ctx, via: [...env.ctx.via, `${where} subscript`], stdin: undefined, stdinCode: undefined } });
  }

  /**
   * Substitutions inside `${…}` the grammar left as text, and text anywhere
   * shaped like `name[$(…)]`: bash runs that code wherever such a value is
   * evaluated as arithmetic (`$((x))`, `${!x}`, `[[ $x -eq 1 ]]`), which no
   * reading of the line can rule out.
   */
  expansionsAndSubscripts(root: Node, env: Env): void {
    const text = root.text;
    if (text.includes('${')) {
      const found = scanExpansions(root);
      this.floors.push(...found.floors);
      for (const code of found.code) this.code.push({ code, ctx: { ...env.ctx, via: [...env.ctx.via, '${…}'], stdin: undefined, stdinCode: undefined } });
    }
    if (!text.includes('[')) return;
    const already = new Set(this.code.map((c) => c.code));
    const hidden = subscriptCode(text).filter((c) => !already.has(c));
    if (hidden.length === 0) return;
    this.floors.push({ decision: 'require_approval', reason: 'the line holds text shaped like an array subscript with $(…) or `…` (a[$(…)]), which bash runs wherever that text is evaluated as arithmetic' });
    for (const c of hidden) this.code.push({ code: c, ctx: { ...env.ctx, via: [...env.ctx.via, 'subscript text'], stdin: undefined, stdinCode: undefined } });
  }

  /** Adds the commands a plain word split finds in `text`, as guesses that can only tighten. */
  lexical(text: string, env: Env, start: number, end: number): void {
    for (const words of lexCommands(text)) {
      const argv = words.flatMap((w) => this.expand(w));
      if (argv.length === 0) continue;
      this.commands.push({ text: argv.map((a) => a.text).join(' '), argv, assignments: [], writes: [], ctx: env.ctx, start, end, guessed: true });
    }
  }

  private assignment(node: Node, env: Env): void {
    const name = node.childForFieldName('name')?.text ?? '';
    const value = node.childForFieldName('value');
    const toks = quotedWord(`${name}=`);
    if (value) appendWordNode(toks, value, this.nested(env));
    else for (const child of node.namedChildren) if (child.type !== 'variable_name') this.statement(child, env);
    if (isSensitiveVariable(name)) {
      this.commands.push({
        text: node.text,
        argv: [],
        assignments: [expandAssignmentValue(toks, { home: this.home })],
        writes: [],
        ctx: env.ctx,
        start: node.startIndex,
        end: node.endIndex,
      });
    }
  }

  private pipeline(node: Node, env: Env): void {
    let piped = false;
    let literal = env.pipeInput;
    env = { ...env, pipeInput: undefined };
    for (const child of node.children) {
      if (!child.isNamed) {
        if (child.type === '|' || child.type === '|&') piped = true;
        continue;
      }
      const ctx: CommandContext = piped ? { ...env.ctx, stdin: 'pipe', stdinCode: literal } : env.ctx;
      const before = this.commands.length;
      this.statement(child, { ...env, ctx });
      literal = this.outputSince(before, ctx.via.length);
    }
  }

  private functionDefinition(node: Node, env: Env): void {
    const nameNode = node.childForFieldName('name');
    const body = node.childForFieldName('body');
    const name = nameNode ? (this.words([nameNode], env)[0]?.text ?? nameNode.text) : '';
    if (body) {
      this.functions.push({ name, canonicalBody: this.canonical(body, name, env), start: node.startIndex, end: node.endIndex });
      const ctx: CommandContext = { ...env.ctx, via: [...env.ctx.via, `function ${name}`], inFunctions: [...env.ctx.inFunctions, name] };
      this.statement(body, { ...env, ctx });
    }
    for (const child of node.namedChildren) if (child !== body && child !== nameNode && REDIRECT_TYPES.has(child.type)) this.statement(child, env);
  }

  /** Code found where the grammar's own reading is unreliable, to be parsed on its own. */
  readonly code: Array<{ code: string; ctx: CommandContext }> = [];

  private host(env: Env): RedirectHost {
    return {
      words: (nodes) => this.words(nodes, env),
      nested: this.nested(env),
      code: (code) => this.code.push({ code, ctx: { ...env.ctx, via: [...env.ctx.via, '$(…) in heredoc'], stdin: undefined, stdinCode: undefined } }),
      read: (arg) => this.reads.push(arg),
      fidelity: this.fidelity,
    };
  }

  /** `< <(echo 'cmd')`: stdin is what the substitution prints. */
  private fedFrom(node: Node, reading: RedirectReading): RedirectReading {
    if (reading.stdin !== 'file' || reading.stdinCode !== undefined) return reading;
    const fed = this.printedBy([node]);
    return fed.length > 0 ? { ...reading, stdinCode: fed.join('') } : reading;
  }

  private redirectTarget(node: Node, env: Env): RedirectReading {
    return readRedirect(node, this.host(env));
  }

  /** A spacing- and quoting-insensitive rendering of a subtree, for matching compound patterns. */
  canonical(node: Node, self: string, env: Env): string {
    if (WORD_TYPES.has(node.type)) {
      return this.words([node], env)
        .map((a) => (a.dynamic ? '$?' : a.text === self ? 'λ' : a.text))
        .join(' ');
    }
    if (node.type === 'comment') return '';
    if (!node.isNamed) return node.type === ';' || node.type === '\n' ? '' : node.type;
    return node.children
      .map((c) => this.canonical(c, self, env))
      .filter((s) => s !== '')
      .join(' ');
  }

  private redirected(node: Node, env: Env): void {
    const body = node.childForFieldName('body');
    const own: Bound = { target: -1, writes: [], extraArgs: [] };
    const after: Node[] = [];
    const handle = (r: Node): void => {
      const t = this.fedFrom(r, this.redirectTarget(r, env));
      own.writes.push(...t.writes);
      if (t.extra.length > 0) own.extraArgs.push({ at: t.extra[0]!.startIndex, nodes: t.extra });
      if (t.stdin) {
        own.stdin = t.stdin;
        own.stdinCode = t.stdinCode;
      }
      if (r.type === 'heredoc_redirect') {
        // tree-sitter hangs what follows the heredoc's first line inside it: `cat <<EOF > f && next`.
        for (let i = 0; i < r.childCount; i++) {
          const child = r.child(i) as Node;
          if (!child.isNamed || child.type.startsWith('heredoc_')) continue;
          if (r.fieldNameForChild(i) === 'redirect' || REDIRECT_TYPES.has(child.type)) handle(child);
          else after.push(child);
        }
      }
    };
    for (const child of node.namedChildren) if (child !== body) handle(child);
    let output: string | undefined;
    if (body) {
      const before = this.commands.length;
      const target = lastCommand(body);
      if (target) {
        own.target = target.startIndex;
        this.statement(body, { ...env, bound: [...(env.bound ?? []), own] });
      } else {
        // A group, subshell or loop: every command inside shares the redirections.
        const ctx: CommandContext = own.stdin ? { ...env.ctx, stdin: own.stdin, stdinCode: own.stdinCode } : env.ctx;
        this.statement(body, { ctx, writes: [...env.writes, ...own.writes] });
      }
      output = this.outputSince(before, env.ctx.via.length);
    }
    for (const a of after) this.statement(a, { ...env, bound: [], pipeInput: a.type === 'pipeline' ? output : undefined });
  }

  private command(node: Node, env: Env): void {
    const wordNodes: Node[] = [];
    const assignments: Arg[] = [];
    const writes = [...env.writes];
    let stdin = env.ctx.stdin;
    let stdinCode = env.ctx.stdinCode;
    for (const b of env.bound ?? []) {
      if (b.target !== node.startIndex) continue;
      writes.push(...b.writes);
      for (const extra of b.extraArgs) wordNodes.push(...extra.nodes);
      if (b.stdin) {
        stdin = b.stdin;
        stdinCode = b.stdinCode;
      }
    }
    for (const child of node.children) {
      const t = child.type;
      if (t === 'comment') continue;
      if (t === 'variable_assignment') {
        const name = child.childForFieldName('name')?.text ?? '';
        const value = child.childForFieldName('value');
        const toks = quotedWord(`${name}=`);
        if (value) appendWordNode(toks, value, this.nested(env));
        assignments.push(expandAssignmentValue(toks, { home: this.home }));
        continue;
      }
      if (REDIRECT_TYPES.has(t)) {
        const r = this.fedFrom(child, this.redirectTarget(child, env));
        writes.push(...r.writes);
        wordNodes.push(...r.extra);
        if (r.stdin) {
          stdin = r.stdin;
          stdinCode = r.stdinCode;
        }
        continue;
      }
      wordNodes.push(child);
    }
    wordNodes.sort((a, b) => a.startIndex - b.startIndex);
    this.fidelity.commandGaps(node);
    this.fidelity.reservedName(node);
    // Nodes written without space between them are one word to bash (`$"x"`, `a"b"`).
    const argv: Arg[] = [];
    let group: Node[] = [];
    for (const n of wordNodes) {
      const last = group[group.length - 1];
      if (last && last.endIndex !== n.startIndex) {
        argv.push(...this.words(group, env));
        group = [];
      }
      group.push(n);
    }
    if (group.length > 0) argv.push(...this.words(group, env));
    const reader = argv[0] && !argv[0].dynamic ? programName(argv[0].text).name : '';
    if (SHELLS.has(reader) || reader === 'source' || reader === '.') {
      // `bash <(echo 'cmd')`, `source <(printf 'cmd')`: the printed text is the code that runs.
      for (const code of this.printedBy(wordNodes)) this.code.push({ code, ctx: { ...env.ctx, via: [...env.ctx.via, `${reader} <(…)`], stdin: undefined, stdinCode: undefined } });
    }
    if (argv[0] && !argv[0].dynamic && SUBSCRIPT_EVALUATORS.has(programName(argv[0].text).name)) {
      this.subscripts(argv.map((a) => a.text).join(' '), env, argv[0].text);
    }
    if (argv.length === 0 && assignments.length === 0 && writes.length === 0) return;
    const ctx = stdin === env.ctx.stdin && stdinCode === env.ctx.stdinCode ? env.ctx : { ...env.ctx, stdin, stdinCode };
    this.commands.push({ text: node.text, argv, assignments, writes, ctx, start: node.startIndex, end: node.endIndex });
  }
}

/** The canonical form of a function body, shared by patterns and lines so both normalise alike. */
export function canonicalBody(body: Node, self: string, home: string | undefined): string {
  const ctx: CommandContext = { via: [], depth: 0, privileged: false, inFunctions: [] };
  return new Walker(home).canonical(body, self, { ctx, writes: [] });
}

export interface WalkOptions {
  home: string | undefined;
  ctx: CommandContext;
  /** When the tree looks misparsed, also read the text word by word (the last resort). */
  lexicalIfDoubtful?: boolean;
}

export function walkTree(root: Node, opts: WalkOptions): WalkResult {
  const walker = new Walker(opts.home);
  const env: Env = { ctx: opts.ctx, writes: [] };
  walker.statement(root, env);
  walker.expansionsAndSubscripts(root, env);
  if (root.hasError) {
    walker.floors.push({ decision: 'require_approval', reason: 'the shell parser could not read all of this line, so it cannot be fully judged' });
    // Where the grammar gives up it may also hide what follows (in a comment); read all of it word by word.
    walker.lexical(root.text, env, root.startIndex, root.endIndex);
  } else if (walker.fidelity.doubtful && opts.lexicalIfDoubtful) {
    walker.floors.push({ decision: 'require_approval', reason: 'the shell parser still misreads this line, so it is also read word by word' });
    walker.lexical(root.text, env, root.startIndex, root.endIndex);
  }
  const { doubtful, repairs } = walker.fidelity;
  return { commands: walker.commands, functions: walker.functions, floors: walker.floors, reads: walker.reads, doubtful, repairs, code: walker.code };
}
