import type { Decision } from '../../../shared/policy';
import type { CdEffect, CommandContext, Floor, Layer, Nested, WriteTarget } from '../shell/types';
import { staticArg, type Arg } from '../shell/words';

/** What inspecting one command found, collected as normalisation goes. */
export class Findings {
  readonly floors: Floor[] = [];
  readonly nested: Nested[] = [];
  readonly writes: WriteTarget[] = [];
  /** Files a wrapper's own options read (`xargs -a FILE`): the secret-file check sees them. */
  readonly reads: Arg[] = [];
  readonly cd: CdEffect[] = [];
  /** Names given to code by `alias`: calling them runs code we judged separately. */
  readonly aliases: string[] = [];
  /** Code inside runs as another user. */
  privileged = false;

  floor(decision: Decision, reason: string): void {
    if (!this.floors.some((f) => f.reason === reason)) this.floors.push({ decision, reason });
  }
  code(code: string, via: string): void {
    this.nested.push({ kind: 'code', code, via });
  }
  argv(args: Arg[], via: string, open: boolean): void {
    this.nested.push({ kind: 'argv', args, via, open });
  }
  read(arg: Arg): void {
    this.reads.push(arg);
  }
  write(arg: Arg, what: string): void {
    this.writes.push({ arg, what });
  }
}

/** Everything an inspector needs to know about the command it looks at. */
export interface Inspection {
  layer: Layer;
  ctx: CommandContext;
  found: Findings;
  home: string | undefined;
}

/** Joins words the way `eval` and `ssh` do: with single spaces, as shell text. */
export function joinCode(args: readonly Arg[]): string | undefined {
  if (args.some((a) => a.dynamic)) return undefined;
  return args.map((a) => a.text).join(' ');
}

/** Quotes a word so that re-parsing it yields the same single word. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export function literalArg(text: string): Arg {
  return staticArg(text);
}
