import type { Node } from 'web-tree-sitter';
import { heredocSubstitutions } from './redirects';
import { programName } from './paths';
import { lastCommand, SUBSCRIPT_EVALUATORS } from './shapes';
import { isSensitiveVariable, SHELLS } from './shell-names';
import type { CommandContext } from './types';
import { REDIRECT_TYPES, WalkState, type Bound, type Env, type WalkResult } from './walk-state';
import { appendWordNode, expandAssignmentValue, quotedWord, type Arg } from './words';

export type { FunctionDef, RawCommand, WalkResult } from './walk-state';

/**
 * Walks a bash syntax tree and collects every simple command that will run,
 * wherever it sits: lists, pipelines, subshells, brace groups, loops and
 * conditionals, function bodies, command and process substitutions, heredoc
 * continuations. Each command carries what it inherits from its place
 * (stdin from a pipe or heredoc, redirections of an enclosing group, the
 * function it is defined in).
 */

const MAX_TREE_DEPTH = 400;

class Walker extends WalkState {
  private depth = 0;
  private tooDeep = false;

  override statement(node: Node, env: Env): void {
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
        if (r.writes.length > 0)
          this.commands.push({
            text: node.text,
            argv: [],
            assignments: [],
            writes: r.writes,
            ctx: env.ctx,
            start: node.startIndex,
            end: node.endIndex,
          });
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
    for (const child of node.namedChildren)
      if (child !== body && child !== nameNode && REDIRECT_TYPES.has(child.type)) this.statement(child, env);
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
      for (const code of this.printedBy(wordNodes))
        this.code.push({ code, ctx: { ...env.ctx, via: [...env.ctx.via, `${reader} <(…)`], stdin: undefined, stdinCode: undefined } });
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
    walker.floors.push({
      decision: 'require_approval',
      reason: 'the shell parser could not read all of this line, so it cannot be fully judged',
    });
    // Where the grammar gives up it may also hide what follows (in a comment); read all of it word by word.
    walker.lexical(root.text, env, root.startIndex, root.endIndex);
  } else if (walker.fidelity.doubtful && opts.lexicalIfDoubtful) {
    walker.floors.push({
      decision: 'require_approval',
      reason: 'the shell parser still misreads this line, so it is also read word by word',
    });
    walker.lexical(root.text, env, root.startIndex, root.endIndex);
  }
  const { doubtful, repairs } = walker.fidelity;
  return {
    commands: walker.commands,
    functions: walker.functions,
    floors: walker.floors,
    reads: walker.reads,
    doubtful,
    repairs,
    code: walker.code,
  };
}
