import type { Node } from 'web-tree-sitter';
import { closeParen } from './lexer';
import { programName } from './paths';
import type { Arg } from './words';

/** Facts about tree shapes and literal commands the walker relies on. */

/** The simple command a trailing redirection's stray words belong to: the last one of a list or pipeline. */
export function lastCommand(node: Node): Node | undefined {
  let n: Node | null = node;
  while (n && n.type !== 'command') {
    if (n.type !== 'list' && n.type !== 'pipeline' && n.type !== 'negated_command') return undefined;
    n = n.lastNamedChild;
  }
  return n ?? undefined;
}

/** What the walker knows of a command when asking what it prints. */
export interface PrintingCommand {
  argv: Arg[];
  ctx: { stdinCode?: string };
}

/**
 * What `echo WORDS`, `printf TEXT` or `cat <<EOF` prints when it is all
 * literal, so `echo 'rm -rf /' | sh` is judged as the code it pipes.
 */
export function literalOutput(cmd: PrintingCommand): string | undefined {
  const [program, ...args] = cmd.argv;
  if (!program || cmd.argv.some((a) => a.dynamic || a.glob)) return undefined;
  const name = programName(program.text).name;
  if (name === 'echo') {
    while (args[0] && /^-[neE]+$/.test(args[0].text)) args.shift();
    return `${args.map((a) => a.text).join(' ')}\n`;
  }
  if (name === 'printf' && args.length === 1 && !args[0]!.text.includes('%')) return args[0]!.text.replace(/\\n/g, '\n');
  if (name === 'cat' && args.length === 0) return cmd.ctx.stdinCode;
  return undefined;
}

/** Builtins that evaluate array subscripts in their arguments, where `$(…)` runs even inside single quotes. */
export const SUBSCRIPT_EVALUATORS = new Set([
  'test',
  '[',
  'printf',
  'read',
  'unset',
  'let',
  'mapfile',
  'readarray',
  'declare',
  'typeset',
  'local',
  'export',
  'readonly',
  'wait',
]);

/**
 * Code that bash runs when it evaluates an array subscript written in the
 * text (`'a[$(cmd)]'`): the bodies of each `$(…)` and backtick inside one.
 */
export function subscriptCode(text: string): string[] {
  const out: string[] = [];
  const re = /[A-Za-z_][A-Za-z0-9_]*\[/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const close = text.indexOf(']', m.index + m[0].length);
    const inside = text.slice(m.index + m[0].length, close < 0 ? text.length : close);
    for (let i = inside.indexOf('$('); i >= 0; i = inside.indexOf('$(', i + 2)) {
      const rest = text.slice(m.index + m[0].length + i + 2);
      out.push(rest.slice(0, closeParen(rest, 0)));
    }
    for (let i = inside.indexOf('`'); i >= 0;) {
      const end = inside.indexOf('`', i + 1);
      out.push(inside.slice(i + 1, end < 0 ? undefined : end));
      i = end < 0 ? -1 : inside.indexOf('`', end + 1);
    }
  }
  return out;
}
