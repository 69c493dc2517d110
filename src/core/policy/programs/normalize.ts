import {
  CODE_OPTIONS,
  inspectAlias,
  inspectCodeOption,
  inspectEval,
  inspectFind,
  inspectShell,
  inspectSource,
  inspectSsh,
  inspectSu,
  inspectTrap,
  inspectWatch,
} from './carriers';
import {
  inspectAssignments,
  inspectAwk,
  inspectCommandOptions,
  inspectInterpreter,
  inspectSed,
  inspectWrites,
  isInterpreter,
} from './danger';
import { Findings, type Inspection } from './findings';
import { inspectLocalInstall } from './local-builds';
import { parseArgs } from './options';
import { programName } from '../shell/paths';
import { SHELLS } from '../shell/shell-names';
import type { CommandContext, Layer, NormalizedCommand, WriteTarget } from '../shell/types';
import { inspectAt, inspectCallbackOption, inspectScreen, inspectTmux } from './deferred';
import { sgCode, wrapperSemantics } from './wrapper-semantics';
import { WRAPPERS, parseWrapper } from './wrappers';
import type { Arg } from '../shell/words';

/**
 * From the words of one simple command to the readings rules are matched
 * against: wrappers are peeled off one by one (`sudo env nice rm …` → `rm …`),
 * the program named by a system path becomes its name, and the innermost
 * program is inspected for arguments that make it dangerous or carry code.
 */

const MAX_WRAPPERS = 32;

export interface NormalizeInput {
  text: string;
  argv: Arg[];
  /** `NAME=value` words before the program. */
  assignments: Arg[];
  /** Writes by redirection, found by the walker. */
  writes: WriteTarget[];
  ctx: CommandContext;
  home: string | undefined;
  /** Read from text the grammar could not parse: every reading only tightens. */
  guessed?: boolean;
  /** More arguments arrive at run time (`find -exec … {} +`). */
  open?: boolean;
}

function makeLayer(program: string, args: Arg[], extra: Partial<Layer> = {}): Layer {
  return {
    program,
    args,
    parsed: parseArgs(program, args),
    dynamicProgram: false,
    restrictOnly: false,
    transparent: false,
    open: false,
    ...extra,
  };
}

/** Readings that start at later words: when a wrapper's options are not understood, any of them could be the command. */
export function guessedLayers(args: readonly Arg[], from: number, to: number, open: boolean): Layer[] {
  const out: Layer[] = [];
  for (let i = from; i < Math.min(to, args.length); i++) {
    const a = args[i] as Arg;
    if (a.dynamic || a.glob || a.text.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(a.text) || a.text === '') continue;
    out.push(makeLayer(programName(a.text).name, args.slice(i + 1), { restrictOnly: true, open }));
  }
  return out;
}

/**
 * Builtins whose only effects are their output, the exit status and this
 * shell's directory: they need no rule (rules naming them still apply).
 * Builtins that change what later commands mean (`export`, `set`, `alias`,
 * `source`, `eval`, `exec`, `trap`, `declare`, `read`, `umask`, `hash -p`,
 * `enable`, `printf -v`, …) are not here and are judged like any program.
 */
const HARMLESS_BUILTINS = new Set([
  'cd',
  'pushd',
  'popd',
  'dirs',
  'pwd',
  'true',
  'false',
  ':',
  'echo',
  'printf',
  'test',
  '[',
  'type',
  'help',
  'jobs',
  'times',
  'shift',
  'return',
  'exit',
  'break',
  'continue',
  'wait',
  'logout',
]);

function harmlessBuiltin(layer: Layer): string | undefined {
  if (!HARMLESS_BUILTINS.has(layer.program) || layer.open) return undefined;
  // `printf -v NAME` assigns a variable (PATH, IFS…): not harmless.
  if (layer.program === 'printf' && layer.args.some((a) => a.dynamic || /^-[^-]*v/.test(a.text))) return undefined;
  if (layer.program === 'wait' && layer.args.some((a) => a.dynamic)) return undefined;
  return `'${layer.program}' is a shell builtin that changes nothing but its output${['cd', 'pushd', 'popd'].includes(layer.program) ? ' and the directory later commands run in' : ''}`;
}

/** Looks at the program that finally runs. */
function inspectInnermost(ins: Inspection): void {
  const { layer } = ins;
  const p = layer.program;
  if (SHELLS.has(p)) inspectShell(ins);
  else if (p === 'eval') inspectEval(ins);
  else if (p === 'trap') inspectTrap(ins);
  else if (p === 'alias') inspectAlias(ins);
  else if (p === 'su') inspectSu(ins);
  else if (p === 'mapfile' || p === 'readarray' || p === 'compgen') inspectCallbackOption(ins);
  else if (p === 'at' || p === 'batch') inspectAt(ins);
  else if (p === 'tmux') inspectTmux(ins);
  else if (p === 'screen') inspectScreen(ins);
  else if (p === 'newgrp') ins.found.floor('require_approval', 'newgrp opens a shell');
  else if (p === 'sg') {
    sgCode(layer.args, ins.found);
    layer.transparent = true;
  } else if (p === 'watch') inspectWatch(ins);
  else if (p === 'ssh') inspectSsh(ins);
  else if (p === 'find') inspectFind(ins);
  else if (p === 'source' || p === '.') inspectSource(ins);
  else if (CODE_OPTIONS[p]) inspectCodeOption(ins);
  else if (isInterpreter(p)) inspectInterpreter(ins);
  else if (!inspectAwk(ins)) inspectSed(ins);
  inspectCommandOptions(ins);
  inspectLocalInstall(ins);
  inspectWrites(ins);
  if (p === 'cd' || p === 'pushd') {
    const target = layer.parsed.positionals[0];
    // `pushd` alone and `pushd +N`/`-N` rotate the stack: back to a directory already in the line.
    if (p === 'pushd' && (!target || (!target.dynamic && /^[+-]\d+$/.test(target.text)))) return;
    if (!target) ins.found.cd.push(ins.home !== undefined ? { kind: 'dir', path: ins.home } : { kind: 'unknown' });
    else if (target.dynamic || target.tilde || target.glob || target.text === '-') ins.found.cd.push({ kind: 'unknown' });
    else ins.found.cd.push({ kind: 'dir', path: target.text });
  }
}

export function normalizeCommand(input: NormalizeInput): NormalizedCommand {
  const found = new Findings();
  const layers: Layer[] = [];
  const wrappers: string[] = [];
  inspectAssignments(input.assignments, { found }, 'the command');
  let args = input.argv;
  let open = input.open ?? false;
  let innermost: Layer | undefined;
  for (let round = 0; round < MAX_WRAPPERS && args.length > 0; round++) {
    const first = args[0] as Arg;
    const rest = args.slice(1);
    if (first.dynamic || first.glob || first.tilde) {
      innermost = makeLayer(first.text, rest, { dynamicProgram: true, open });
      layers.push(innermost);
      found.floor('require_approval', `the program '${first.text}' is only known at run time`);
      break;
    }
    const named = programName(first.text);
    innermost = makeLayer(named.name, rest, { open });
    layers.push(innermost);
    if (named.basename !== undefined) layers.push(makeLayer(named.basename, rest, { restrictOnly: true, open }));
    const spec = WRAPPERS[named.name];
    if (!spec) break;
    const parsed = parseWrapper(spec, rest);
    inspectAssignments(parsed.assignments, { found }, named.name);
    if (spec.privileged) {
      found.floor('notify', `runs as another user (${named.name})`);
      found.privileged = true;
    }
    if (parsed.uncertain) {
      found.floor('require_approval', `cannot tell which command ${named.name} runs: ${parsed.uncertain}`);
      layers.push(...guessedLayers(rest, 0, rest.length, open));
      break;
    }
    layers.push(...guessedLayers(rest, 0, parsed.commandIndex, open));
    const inner = rest.slice(parsed.commandIndex);
    const step = wrapperSemantics(named.name, parsed, inner, found, rest.slice(0, parsed.commandIndex));
    if (step.stop || (inner.length === 0 && !step.args)) break;
    wrappers.push(named.name);
    if (step.open) open = true;
    args = step.args ?? inner;
    if (round === MAX_WRAPPERS - 1) found.floor('require_approval', 'too many wrappers to follow');
  }
  if (innermost && !innermost.dynamicProgram) {
    inspectInnermost({ layer: innermost, ctx: input.ctx, found, home: input.home });
    const harmless = harmlessBuiltin(innermost);
    if (harmless) innermost.harmless = harmless;
  }
  if (input.guessed) {
    for (const l of layers) l.restrictOnly = true;
    found.floor('require_approval', 'read from text the shell parser could not parse');
  }
  return {
    text: input.text,
    argv: input.argv,
    layers,
    wrappers,
    floors: found.floors,
    writes: [...input.writes, ...found.writes],
    ...(found.reads.length > 0 ? { reads: found.reads } : {}),
    nested: found.nested,
    cd: found.cd,
    aliases: found.aliases,
    runsPrivileged: input.ctx.privileged || found.privileged,
    ctx: input.ctx,
  };
}
