import type { Node } from 'web-tree-sitter';
import { scanExpansions } from './expansions';
import { Fidelity, type Repair } from './fidelity';
import { lexCommands } from './lexer';
import { readRedirect, type RedirectHost, type RedirectReading } from './redirects';
import { literalOutput, subscriptCode } from './shapes';
import type { CommandContext, Floor, StdinSource, WriteTarget } from './types';
import { expandWord, rawWordOf, WordTooComplexError, type Arg, type RawWord } from './words';

/**
 * What the walk of a syntax tree collects and the helpers every node kind
 * shares (expanding words, nested substitutions, what a command prints,
 * redirection readings). The node kinds themselves are walked in walk.ts.
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

export interface Bound {
  /** Start of the command they belong to. */
  target: number;
  writes: WriteTarget[];
  /** Words tree-sitter attached to a redirection that bash passes to the command: `cmd >f arg`. */
  extraArgs: Array<{ at: number; nodes: Node[] }>;
  stdin?: StdinSource;
  stdinCode?: string;
}

export interface Env {
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

export const REDIRECT_TYPES = new Set(['file_redirect', 'heredoc_redirect', 'herestring_redirect']);
const WORD_TYPES = new Set([
  'word',
  'string',
  'raw_string',
  'concatenation',
  'number',
  'ansi_c_string',
  'translated_string',
  'simple_expansion',
  'expansion',
  'command_substitution',
  'brace_expression',
  'arithmetic_expansion',
  'process_substitution',
  'command_name',
]);

export abstract class WalkState {
  readonly commands: RawCommand[] = [];
  readonly functions: FunctionDef[] = [];
  readonly floors: Floor[] = [];
  /** Files `<` redirections read. */
  readonly reads: Arg[] = [];

  constructor(protected readonly home: string | undefined) {}

  protected expand(word: RawWord): Arg[] {
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
  protected readonly nested =
    (env: Env) =>
    (node: Node): void => {
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
  protected readonly printed = new Map<number, string>();

  protected printedBy(nodes: readonly Node[]): string[] {
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

  protected words(nodes: readonly Node[], env: Env): Arg[] {
    for (const n of nodes) this.fidelity.words(n);
    return this.expand(rawWordOf(nodes, this.nested(env)));
  }

  /**
   * The literal text printed by the commands walked since `before` (those at
   * this nesting level), when any of them print literal text. Partial output
   * is fine: it is only parsed to find more to forbid.
   */
  protected outputSince(before: number, viaDepth: number): string | undefined {
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
  protected subscripts(text: string, env: Env, where: string): void {
    const code = subscriptCode(text);
    if (code.length === 0) return;
    this.floors.push({
      decision: 'require_approval',
      reason: `${where} evaluates an array subscript containing $(…) or \`…\`, which runs code`,
    });
    for (const c of code)
      this.code.push({ code: c, ctx: { ...env.ctx, via: [...env.ctx.via, `${where} subscript`], stdin: undefined, stdinCode: undefined } });
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
      for (const code of found.code)
        this.code.push({ code, ctx: { ...env.ctx, via: [...env.ctx.via, '${…}'], stdin: undefined, stdinCode: undefined } });
    }
    if (!text.includes('[')) return;
    const already = new Set(this.code.map((c) => c.code));
    const hidden = subscriptCode(text).filter((c) => !already.has(c));
    if (hidden.length === 0) return;
    this.floors.push({
      decision: 'require_approval',
      reason:
        'the line holds text shaped like an array subscript with $(…) or `…` (a[$(…)]), which bash runs wherever that text is evaluated as arithmetic',
    });
    for (const c of hidden)
      this.code.push({ code: c, ctx: { ...env.ctx, via: [...env.ctx.via, 'subscript text'], stdin: undefined, stdinCode: undefined } });
  }

  /** Adds the commands a plain word split finds in `text`, as guesses that can only tighten. */
  lexical(text: string, env: Env, start: number, end: number): void {
    for (const words of lexCommands(text)) {
      const argv = words.flatMap((w) => this.expand(w));
      if (argv.length === 0) continue;
      this.commands.push({
        text: argv.map((a) => a.text).join(' '),
        argv,
        assignments: [],
        writes: [],
        ctx: env.ctx,
        start,
        end,
        guessed: true,
      });
    }
  }

  /** Code found where the grammar's own reading is unreliable, to be parsed on its own. */
  readonly code: Array<{ code: string; ctx: CommandContext }> = [];

  protected host(env: Env): RedirectHost {
    return {
      words: (nodes) => this.words(nodes, env),
      nested: this.nested(env),
      code: (code) =>
        this.code.push({ code, ctx: { ...env.ctx, via: [...env.ctx.via, '$(…) in heredoc'], stdin: undefined, stdinCode: undefined } }),
      read: (arg) => this.reads.push(arg),
      fidelity: this.fidelity,
    };
  }

  /** `< <(echo 'cmd')`: stdin is what the substitution prints. */
  protected fedFrom(node: Node, reading: RedirectReading): RedirectReading {
    if (reading.stdin !== 'file' || reading.stdinCode !== undefined) return reading;
    const fed = this.printedBy([node]);
    return fed.length > 0 ? { ...reading, stdinCode: fed.join('') } : reading;
  }

  protected redirectTarget(node: Node, env: Env): RedirectReading {
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

  /** Walks one node of the tree; the node kinds live in the subclass. */
  abstract statement(node: Node, env: Env): void;
}
