import type { Arg } from './words';

/**
 * Programs that run another program given as their remaining arguments, as
 * data: which options they take (with or without a value), how many operands
 * come before the command, and whether `NAME=value` words may precede it.
 */
export interface WrapperSpec {
  /** Short options without a value. */
  flags: string;
  /** Short options that take a value (attached or the next word). */
  valued: string;
  longFlags?: readonly string[];
  longValued?: readonly string[];
  /** Short options whose value may only be attached (`xargs -i{}`). */
  optionalShort?: string;
  /** Long options whose value may only be attached with `=`. */
  longOptional?: readonly string[];
  /** Operands between the options and the command (`timeout DURATION cmd`). */
  operands?: number;
  /** `NAME=value` words may come before the command (`env`, `sudo`). */
  assignments?: boolean;
  /** `nice -10 cmd`. */
  numericOption?: boolean;
  /** The command runs as another user. */
  privileged?: boolean;
  /** Long option → the short letter it equals, so handlers look at one name. */
  aliases?: Readonly<Record<string, string>>;
}

export const WRAPPERS: Readonly<Record<string, WrapperSpec>> = {
  sudo: {
    flags: 'AbEeHiKklnPSsVv',
    valued: 'CDgpRrTtUu',
    optionalShort: 'h',
    longFlags: ['askpass', 'background', 'edit', 'help', 'set-home', 'login', 'remove-timestamp', 'reset-timestamp', 'non-interactive', 'preserve-groups', 'stdin', 'shell', 'version', 'validate', 'list'],
    longValued: ['close-from', 'chdir', 'group', 'host', 'prompt', 'chroot', 'role', 'type', 'command-timeout', 'other-user', 'user'],
    longOptional: ['preserve-env'],
    assignments: true,
    privileged: true,
    aliases: { edit: 'e', login: 'i', shell: 's', list: 'l', validate: 'v', help: 'h', version: 'V', 'remove-timestamp': 'K', 'reset-timestamp': 'k', chdir: 'D', user: 'u' },
  },
  doas: { flags: 'nsL', valued: 'uC', privileged: true },
  pkexec: { flags: '', valued: '', longFlags: ['disable-internal-agent', 'keep-cwd', 'help', 'version'], longValued: ['user'], privileged: true },
  run0: {
    flags: '',
    valued: 'uDg',
    longFlags: ['no-ask-password', 'background', 'pty', 'pipe'],
    longValued: ['user', 'group', 'nice', 'chdir', 'setenv', 'property', 'description', 'slice', 'unit', 'machine', 'shell-prompt-prefix'],
    privileged: true,
    aliases: { chdir: 'D', user: 'u' },
  },
  env: {
    flags: 'i0v',
    valued: 'uCS',
    longFlags: ['ignore-environment', 'null', 'debug', 'list-signal-handling', 'help', 'version'],
    longValued: ['unset', 'chdir', 'split-string'],
    longOptional: ['ignore-signal', 'default-signal', 'block-signal'],
    assignments: true,
    aliases: { chdir: 'C', 'split-string': 'S', unset: 'u', 'ignore-environment': 'i' },
  },
  nice: { flags: '', valued: 'n', longValued: ['adjustment'], numericOption: true },
  nohup: { flags: '', valued: '' },
  timeout: { flags: 'v', valued: 'sk', longFlags: ['preserve-status', 'foreground', 'verbose'], longValued: ['signal', 'kill-after'], operands: 1 },
  time: { flags: 'pvaq', valued: 'fo', longFlags: ['portability', 'verbose', 'append', 'quiet'], longValued: ['format', 'output'], aliases: { output: 'o' } },
  command: { flags: 'pvV', valued: '' },
  exec: { flags: 'cl', valued: 'a' },
  builtin: { flags: '', valued: '' },
  xargs: {
    flags: '0ortpx',
    valued: 'aEdILnPs',
    longFlags: ['null', 'open-tty', 'no-run-if-empty', 'verbose', 'interactive', 'exit', 'show-limits'],
    longValued: ['arg-file', 'delimiter', 'max-lines', 'max-args', 'max-procs', 'max-chars', 'process-slot-var'],
    optionalShort: 'eil',
    longOptional: ['replace', 'eof'],
    aliases: { replace: 'i', 'arg-file': 'a' },
  },
  setsid: { flags: 'cfw', valued: '', longFlags: ['ctty', 'fork', 'wait'] },
  stdbuf: { flags: '', valued: 'ioe', longValued: ['input', 'output', 'error'] },
  ionice: { flags: 'tu', valued: 'cnpP', longFlags: ['ignore'], longValued: ['class', 'classdata', 'pid', 'pgid', 'uid'], aliases: { pid: 'p', pgid: 'P', uid: 'u' } },
  chroot: { flags: '', valued: '', longFlags: ['skip-chdir'], longValued: ['userspec', 'groups'], operands: 1, privileged: true },
  busybox: { flags: '', valued: '' },
  unshare: {
    flags: 'imnpuUCTrfc',
    valued: 'S',
    longFlags: ['ipc', 'mount', 'net', 'pid', 'uts', 'user', 'cgroup', 'time', 'fork', 'map-root-user', 'map-current-user', 'kill-child', 'mount-proc'],
    longValued: ['setuid', 'setgid', 'propagation', 'root', 'wd', 'setgroups'],
  },
  'systemd-run': {
    flags: 'qPGtr',
    valued: 'pEuMH',
    longFlags: ['user', 'system', 'scope', 'quiet', 'pipe', 'pty', 'wait', 'collect', 'no-block', 'same-dir', 'shell', 'send-sighup', 'remain-after-exit', 'no-ask-password'],
    longValued: ['unit', 'property', 'description', 'slice', 'setenv', 'uid', 'gid', 'nice', 'working-directory', 'machine', 'host', 'service-type', 'on-calendar', 'on-active'],
    privileged: true,
  },
  coproc: { flags: '', valued: '' },
  unbuffer: { flags: 'p', valued: '' },
};

export interface WrapperParse {
  /** Options seen, by short letter or long name (after `aliases`). */
  options: Map<string, Arg | true>;
  assignments: Arg[];
  /** Index of the wrapped command's program in the wrapper's arguments (may equal length: no command). */
  commandIndex: number;
  /** Set when an option was not understood or a word is only known at run time: where the command starts is a guess. */
  uncertain?: string;
}

function matchLong(names: readonly string[] | undefined, name: string): string | undefined {
  if (!names) return undefined;
  if (names.includes(name)) return name;
  const prefixed = names.filter((n) => n.startsWith(name));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** Parses a wrapper's own options; `args` are the words after the wrapper's name. */
export function parseWrapper(spec: WrapperSpec, args: readonly Arg[]): WrapperParse {
  const options = new Map<string, Arg | true>();
  const assignments: Arg[] = [];
  const alias = (n: string): string => spec.aliases?.[n] ?? n;
  let i = 0;
  const stop = (uncertain: string): WrapperParse => ({ options, assignments, commandIndex: i, uncertain });
  for (; i < args.length; i++) {
    const arg = args[i] as Arg;
    if (arg.dynamic) {
      if (arg.splits || arg.prefix === '' || arg.prefix.startsWith('-')) return stop(`'${arg.text}' is only known at run time`);
      break;
    }
    const t = arg.text;
    if (t === '--') {
      i++;
      break;
    }
    if (t.startsWith('--') && t.length > 2) {
      const eq = t.indexOf('=');
      const raw = eq >= 0 ? t.slice(2, eq) : t.slice(2);
      const flag = matchLong(spec.longFlags, raw);
      const valued = matchLong(spec.longValued, raw);
      const optional = matchLong(spec.longOptional, raw);
      if (flag && eq < 0) options.set(alias(flag), true);
      else if (valued) {
        if (eq >= 0) options.set(alias(valued), { ...arg, text: t.slice(eq + 1), prefix: t.slice(eq + 1) });
        else if (i + 1 < args.length) options.set(alias(valued), args[++i] as Arg);
        else return stop(`option --${raw} has no value`);
      } else if (optional) options.set(alias(optional), eq >= 0 ? { ...arg, text: t.slice(eq + 1), prefix: t.slice(eq + 1) } : true);
      else return stop(`unknown option ${t}`);
      continue;
    }
    if (t.startsWith('-') && t.length > 1) {
      if (spec.numericOption && /^-\d+$/.test(t)) {
        options.set('n', { ...arg, text: t.slice(1), prefix: t.slice(1) });
        continue;
      }
      const cluster = t.slice(1);
      for (let k = 0; k < cluster.length; k++) {
        const c = cluster[k] as string;
        if (spec.flags.includes(c)) {
          options.set(c, true);
          continue;
        }
        if (spec.valued.includes(c)) {
          const rest = cluster.slice(k + 1);
          if (rest !== '') options.set(c, { ...arg, text: rest, prefix: rest, glob: false });
          else if (i + 1 < args.length) options.set(c, args[++i] as Arg);
          else return stop(`option -${c} has no value`);
          break;
        }
        if (spec.optionalShort?.includes(c)) {
          const rest = cluster.slice(k + 1);
          options.set(c, rest !== '' ? { ...arg, text: rest, prefix: rest, glob: false } : true);
          break;
        }
        return stop(`unknown option -${c}`);
      }
      continue;
    }
    if (spec.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(t)) {
      assignments.push(arg);
      continue;
    }
    break;
  }
  const operands = spec.operands ?? 0;
  if (i + operands > args.length) return stop('missing operand');
  for (let k = i; k < i + operands; k++) if ((args[k] as Arg).dynamic && (args[k] as Arg).splits) return stop(`'${(args[k] as Arg).text}' is only known at run time`);
  return { options, assignments, commandIndex: i + operands };
}
