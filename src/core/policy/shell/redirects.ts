import type { Node } from 'web-tree-sitter';
import type { Fidelity } from './fidelity';
import { closeParen } from './lexer';
import type { StdinSource, WriteTarget } from './types';
import type { Arg } from './words';

/** Reading one redirection: what it writes, what it feeds to stdin, and words the grammar misplaced in it. */

export interface RedirectReading {
  writes: WriteTarget[];
  /** Words tree-sitter put in the redirection that bash gives the command: `cmd >f arg`. */
  extra: Node[];
  stdin?: StdinSource;
  /** Literal shell code arriving on stdin (a quoted heredoc, a literal here-string). */
  stdinCode?: string;
}

/** What reading a redirection needs from the walker. */
export interface RedirectHost {
  words(nodes: readonly Node[]): Arg[];
  /** Judges the commands of a process substitution used as a target. */
  nested(node: Node): void;
  /** Hands back code to parse on its own. */
  code(code: string): void;
  /** A file the redirection reads (`< f`, `<> f`): checked against the secret files. */
  read(arg: Arg): void;
  fidelity: Fidelity;
}

const WRITE_OPS = new Set(['>', '>>', '>|', '&>', '&>>', '<>']);

/**
 * `$(…)` in an unquoted heredoc body runs, but the grammar reads its inside
 * poorly there; its text is handed back to be parsed as code of its own.
 */
export function heredocSubstitutions(node: Node, body: Node, emit: (code: string) => void): void {
  for (const child of node.namedChildren) {
    if (child.type === 'command_substitution') {
      const t = child.text;
      let code: string;
      if (t.startsWith('`')) code = t.slice(1, t.endsWith('`') ? -1 : undefined).replace(/\\([$`\\])/g, '$1');
      else {
        // The grammar's end of `$(` is unreliable here (`case` patterns); find it the way bash does.
        const rest = body.text.slice(child.startIndex - body.startIndex + 2);
        code = rest.slice(0, closeParen(rest, 0));
      }
      emit(code);
    } else {
      heredocSubstitutions(child, body, emit);
    }
  }
}

export function readRedirect(node: Node, host: RedirectHost): RedirectReading {
  const out: RedirectReading = { writes: [], extra: [] };
  if (node.type === 'herestring_redirect') {
    out.stdin = 'herestring';
    const word = node.namedChildren.filter((c) => c.type !== 'file_descriptor');
    const args = host.words(word);
    if (args.length === 1 && !args[0]!.dynamic) out.stdinCode = `${args[0]!.text}\n`;
    return out;
  }
  if (node.type === 'heredoc_redirect') {
    out.stdin = 'heredoc';
    const start = node.children.find((c) => c.type === 'heredoc_start');
    const body = node.children.find((c) => c.type === 'heredoc_body');
    const quotedDelimiter = start ? /['"\\]/.test(start.text) : false;
    if (body) {
      const dynamic = body.namedChildren.some((c) => c.type !== 'heredoc_content');
      if (!quotedDelimiter) heredocSubstitutions(body, body, host.code);
      if (quotedDelimiter) out.stdinCode = body.text;
      else if (!dynamic) out.stdinCode = body.text.replace(/\\\n/g, '').replace(/\\([$`\\])/g, '$1');
    } else {
      out.stdinCode = '';
    }
    return out;
  }
  // file_redirect
  host.fidelity.commandGaps(node);
  let op = '';
  const destinations: Node[] = [];
  for (let i = 0; i < node.childCount; i++) {
    const child = node.child(i) as Node;
    if (node.fieldNameForChild(i) === 'destination') destinations.push(child);
    else if (!child.isNamed) op = child.type;
  }
  const [target, ...extra] = destinations;
  out.extra = extra;
  if (op === '<' || op === '<&' || op === '<&-' || op === '>&-') {
    if (op === '<' && target) {
      out.stdin = 'file';
      const read = host.words([target]);
      if (target.type !== 'process_substitution') for (const a of read) host.read(a);
    }
    return out;
  }
  if (!target) return out;
  if (target.type === 'process_substitution') {
    host.nested(target);
    return out;
  }
  const args = host.words([target]);
  if (op === '<>') for (const a of args) host.read(a);
  const isWrite = WRITE_OPS.has(op) || ((op === '>&' || op === '&>') && !(args.length === 1 && /^(\d+|-)$/.test(args[0]!.text)));
  if (isWrite) {
    if (args.length !== 1)
      out.writes.push({
        arg: { text: target.text, dynamic: true, prefix: '', splits: true, glob: false, tilde: false },
        what: `redirection ${op}`,
      });
    else out.writes.push({ arg: args[0]!, what: `redirection ${op}` });
  }
  return out;
}
