import type { Decision } from '../../../shared/policy';
import type { Arg } from './words';

/** One option as the program will see it, in canonical spelling (`r` for `-R`/`--recursive` in rm; `--name` for a long option without a short twin). */
export interface Flag {
  name: string;
  value?: Arg;
}

export interface ParsedArgs {
  flags: Flag[];
  positionals: Arg[];
  /** Some word is only known at run time and may be several words or an option. */
  uncertain: boolean;
}

/** A lower bound on a segment's decision, whatever the rules say, with why. */
export interface Floor {
  decision: Decision;
  reason: string;
}

/**
 * One way of reading a simple command that rules are matched against. A
 * wrapped command has several: `sudo env rm -rf /` is read as `sudo …`,
 * `env …` and `rm -rf /`; the innermost one is what actually runs.
 */
export interface Layer {
  program: string;
  args: Arg[];
  parsed: ParsedArgs;
  /** The program itself is only known at run time (`$X`, `$(…)`, a glob). */
  dynamicProgram: boolean;
  /** A guessed reading (a wrapper whose options we could not follow): only rules that tighten apply. */
  restrictOnly: boolean;
  /** Runs nothing but literal code that is judged as separate segments (`bash -c 'ls'`, `eval ls`). */
  transparent: boolean;
  /** More arguments arrive at run time (`xargs`, `find -exec … {} +`). */
  open: boolean;
  /** A shell builtin with no effect beyond this shell's output and directory (`cd`, `pwd`, `true`): needs no rule; says why. */
  harmless?: string;
}

/** A file a command writes (redirection target, `tee` operand, `dd of=`…), checked against the working tree. */
export interface WriteTarget {
  arg: Arg;
  what: string;
}

/** Code found inside a command that must be judged too. */
export type Nested = { kind: 'code'; code: string; via: string } | { kind: 'argv'; args: Arg[]; via: string; open: boolean };

/** A `cd` seen in the line: later relative paths may be relative to it. */
export type CdEffect = { kind: 'dir'; path: string } | { kind: 'unknown' };

export type StdinSource = 'pipe' | 'heredoc' | 'herestring' | 'file';

/** What a command inherits from where it sits in the line. */
export interface CommandContext {
  via: string[];
  depth: number;
  /** Runs as another user (inside `sudo …`, `su -c …`). */
  privileged: boolean;
  stdin?: StdinSource;
  /** Literal shell code arriving on stdin (a quoted heredoc, a here-string). */
  stdinCode?: string;
  /** Function bodies this command sits in. */
  inFunctions: string[];
}

/** A simple command after normalisation: the unit that becomes a segment. */
export interface NormalizedCommand {
  text: string;
  argv: Arg[];
  layers: Layer[];
  wrappers: string[];
  floors: Floor[];
  writes: WriteTarget[];
  /** Files a wrapper's options read (`xargs -a FILE`). */
  reads?: Arg[];
  nested: Nested[];
  cd: CdEffect[];
  /** Names `alias` gave to code in this command. */
  aliases: string[];
  /** Code nested in this command runs as another user (`sudo bash -c …`). */
  runsPrivileged: boolean;
  ctx: CommandContext;
}
