import type { Arg } from '../shell/words';

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
  /** The operands come before the options (`setarch ARCH [options] cmd`). */
  operandsFirst?: boolean;
  /** Every `--name` or `--name=value` is one word (valgrind, firejail: values are always attached). */
  anyLong?: boolean;
  /** Where the command starts is found another way (`gdb … --args cmd`, `ip netns exec NAME cmd`). */
  locate?: (args: readonly Arg[]) => WrapperParse;
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
    valued: 'SRw',
    longFlags: ['ipc', 'mount', 'net', 'pid', 'uts', 'user', 'cgroup', 'time', 'fork', 'map-root-user', 'map-current-user', 'kill-child', 'mount-proc'],
    longValued: ['setuid', 'setgid', 'propagation', 'root', 'wd', 'setgroups'],
    aliases: { root: 'R', wd: 'w' },
  },
  'systemd-run': {
    flags: 'qPGtr',
    valued: 'pEuMH',
    longFlags: ['user', 'system', 'scope', 'quiet', 'pipe', 'pty', 'wait', 'collect', 'no-block', 'same-dir', 'shell', 'send-sighup', 'remain-after-exit', 'no-ask-password'],
    longValued: ['unit', 'property', 'description', 'slice', 'setenv', 'uid', 'gid', 'nice', 'working-directory', 'machine', 'host', 'service-type', 'on-calendar', 'on-active'],
    privileged: true,
    aliases: { property: 'p', setenv: 'E', machine: 'M', host: 'H' },
  },
  coproc: { flags: '', valued: '' },
  unbuffer: { flags: 'p', valued: '' },
  // util-linux, procps, strace & co.: each takes options, sometimes an operand, then runs the rest as a command.
  taskset: { flags: 'apcV', valued: '', longFlags: ['all-tasks', 'pid', 'cpu-list', 'help', 'version'], operands: 1, aliases: { pid: 'p' } },
  chrt: {
    flags: 'abdefhimoprRvV',
    valued: 'TDP',
    longFlags: ['all-tasks', 'batch', 'deadline', 'fifo', 'idle', 'max', 'other', 'pid', 'rr', 'reset-on-fork', 'verbose', 'help', 'version'],
    longValued: ['sched-runtime', 'sched-deadline', 'sched-period'],
    operands: 1,
    aliases: { pid: 'p', max: 'm' },
  },
  strace: {
    flags: 'cdDfFhikqrtTvVwxyYzZCn',
    valued: 'abeIoOpPsSuUXE',
    longFlags: ['summary-only', 'summary', 'debug', 'daemonize', 'follow-forks', 'output-separately', 'help', 'stack-trace', 'quiet', 'relative-timestamps', 'absolute-timestamps', 'syscall-times', 'no-abbrev', 'version', 'summary-wall-clock', 'decode-fds', 'decode-pids', 'successful-only', 'failed-only', 'seccomp-bpf', 'kill-on-exit', 'syscall-number'],
    longValued: ['columns', 'detach-on', 'expr', 'trace', 'trace-path', 'output', 'attach', 'signal', 'status', 'string-limit', 'summary-sort-by', 'sort', 'user', 'env', 'const-print-style', 'inject', 'fault', 'abbrev', 'verbose', 'raw', 'read', 'write', 'quiet', 'decode-fds', 'silence', 'timestamps', 'argv0', 'tips'],
    aliases: { output: 'o', attach: 'p', env: 'E' },
  },
  ltrace: {
    flags: 'bcCfhiLrStTVw',
    valued: 'aADeEFlnopsux',
    longFlags: ['help', 'version', 'demangle', 'no-signals'],
    longValued: ['align', 'config', 'indent', 'output', 'library', 'user'],
    aliases: { output: 'o' },
  },
  nsenter: {
    flags: 'aiUCTFZe',
    valued: 'tSGNL',
    optionalShort: 'mupnrwc',
    longFlags: ['all', 'ipc', 'user', 'cgroup', 'time', 'no-fork', 'preserve-credentials', 'follow-context', 'help', 'version', 'env', 'user-parent', 'join-cgroup'],
    longValued: ['target', 'setuid', 'setgid'],
    longOptional: ['mount', 'uts', 'pid', 'net', 'root', 'wd', 'wdns', 'keep-caps'],
    privileged: true,
  },
  setpriv: {
    flags: 'dhV',
    valued: '',
    longFlags: ['dump', 'nnp', 'no-new-privs', 'keep-groups', 'clear-groups', 'init-groups', 'reset-env', 'help', 'version'],
    longValued: ['reuid', 'ruid', 'euid', 'regid', 'rgid', 'egid', 'groups', 'inh-caps', 'ambient-caps', 'bounding-set', 'securebits', 'pdeathsig', 'selinux-label', 'apparmor-profile', 'landlock-access', 'landlock-rule', 'ptracer'],
    privileged: true,
  },
  prlimit: {
    flags: 'hV',
    valued: 'po',
    optionalShort: 'cdefilmnqrstuvxy',
    longFlags: ['noheadings', 'raw', 'verbose', 'help', 'version'],
    longValued: ['pid', 'output'],
    longOptional: ['core', 'data', 'nice', 'fsize', 'sigpending', 'memlock', 'rss', 'nofile', 'msgqueue', 'rtprio', 'stack', 'cpu', 'nproc', 'as', 'locks', 'rttime'],
    aliases: { pid: 'p' },
  },
  numactl: {
    flags: 'alsHbtuVnw',
    valued: 'imCNPpSfLMIoTDy',
    longFlags: ['all', 'localalloc', 'show', 'hardware', 'balancing', 'touch', 'huge', 'strict', 'version', 'dump', 'dump-nodes'],
    longValued: ['interleave', 'weighted-interleave', 'preferred', 'preferred-many', 'membind', 'cpunodebind', 'physcpubind', 'cpubind', 'shm', 'file', 'length', 'offset', 'shmmode', 'shmid', 'shmfile'],
  },
  flock: {
    flags: 'sxunoeFhV',
    valued: 'wEc',
    longFlags: ['shared', 'exclusive', 'unlock', 'nonblock', 'nb', 'close', 'no-fork', 'verbose', 'help', 'version'],
    longValued: ['timeout', 'wait', 'conflict-exit-code', 'command'],
    operands: 1,
    aliases: { command: 'c' },
  },
  runuser: {
    flags: 'lmpPfh',
    valued: 'ugGcswV',
    longFlags: ['login', 'preserve-environment', 'pty', 'fast', 'help', 'version'],
    longValued: ['user', 'group', 'supp-group', 'command', 'session-command', 'shell', 'whitelist-environment'],
    privileged: true,
    aliases: { user: 'u', command: 'c', 'session-command': 'c' },
  },
  'dbus-run-session': { flags: '', valued: '', longFlags: ['help', 'version'], longValued: ['config-file', 'dbus-daemon'] },
  'dbus-launch': { flags: '', valued: '', longFlags: ['sh-syntax', 'csh-syntax', 'auto-syntax', 'exit-with-session', 'exit-with-x11', 'close-stderr', 'binary-syntax', 'version', 'help'], longValued: ['autolaunch', 'config-file'] },
  cgexec: { flags: 'h', valued: 'g', longFlags: ['sticky'] },
  'systemd-inhibit': { flags: 'h', valued: '', longFlags: ['list', 'no-pager', 'no-legend', 'no-ask-password', 'help', 'version'], longValued: ['what', 'who', 'why', 'mode'] },
  valgrind: { flags: 'qvhd', valued: '', anyLong: true },
  firejail: { flags: '', valued: '', anyLong: true },
  gdb: { flags: '', valued: '', locate: afterWord(['--args', '-args']) },
  ip: { flags: '', valued: '', locate: ipNetnsExec },
  perf: { flags: '', valued: '', locate: subcommandThen(['stat', 'record', 'trace', 'top', 'c2c', 'mem', 'sched', 'kvm', 'lock'], 'aceEFgGIjmoprRtuCdDlLkKnNqsSTvWxyz') },
  rr: { flags: '', valued: '', locate: subcommandThen(['record'], 'bchinoprstuvwM') },
  fakeroot: { flags: 'uhv', valued: 'lsib', longFlags: ['unknown-is-real', 'help', 'version'], longValued: ['lib', 'faked'] },
  faketime: { flags: 'fm', valued: 'peP', longFlags: ['help', 'version', 'exclude-monotonic'], longValued: ['date-prog'], operands: 1 },
  eatmydata: { flags: '', valued: '' },
  nocache: { flags: '', valued: 'n' },
  setarch: {
    flags: 'vRFZLXBIST3h',
    valued: '',
    longFlags: ['verbose', 'addr-no-randomize', 'fdpic-funcptrs', 'mmap-page-zero', 'addr-compat-layout', 'read-implies-exec', '32bit', 'short-inode', 'whole-seconds', 'sticky-timeouts', '3gb', '4gb', 'uname-2.6', 'list', 'help', 'version'],
    operands: 1,
    operandsFirst: true,
  },
  linux32: { flags: 'vRFZLXBIST3h', valued: '', longFlags: ['verbose', 'addr-no-randomize', '3gb', '4gb', 'uname-2.6'] },
  linux64: { flags: 'vRFZLXBIST3h', valued: '', longFlags: ['verbose', 'addr-no-randomize', '3gb', '4gb', 'uname-2.6'] },
  torsocks: { flags: 'diq', valued: 'aPu', longFlags: ['isolate', 'quiet', 'version', 'help'], longValued: ['address', 'port', 'user', 'pass'] },
  proxychains: { flags: 'q', valued: 'f' },
  proxychains4: { flags: 'q', valued: 'f' },
  'xvfb-run': { flags: 'ah', valued: 'efnpsw', longFlags: ['auto-servernum', 'help'], longValued: ['error-file', 'auth-file', 'server-num', 'xauth-protocol', 'server-args', 'wait'] },
  'ssh-agent': { flags: 'cDdks', valued: 'aEOPt' },
  cpulimit: { flags: 'fzkrvi', valued: 'lpem', longFlags: ['foreground', 'lazy', 'kill', 'restore', 'verbose', 'include-children', 'help'], longValued: ['limit', 'pid', 'exe', 'path', 'monitor-forks'] },
  trickle: { flags: 'svV', valued: 'udwtlLn' },
  chronic: { flags: 'ev', valued: '' },
  ifne: { flags: 'n', valued: '' },
  lckdo: { flags: 'qw', valued: 'W', operands: 1 },
  rlwrap: { flags: 'AciNrRuUvhnoIWX', valued: 'bCDefFgHlMOPqsStwz', optionalShort: 'amp', anyLong: true },
  catchsegv: { flags: '', valued: '' },
  heaptrack: { flags: 'dhrv', valued: 'op', longValued: ['output', 'pid', 'record-only'] },
  'systemd-cat': { flags: 'h', valued: 'tp', longFlags: ['help', 'version', 'level-prefix'], longValued: ['identifier', 'priority', 'stderr-priority', 'namespace'] },
  logsave: { flags: 'asv', valued: '' },
  sshpass: { flags: 'ehvV', valued: 'pfdP' },
  toybox: { flags: '', valued: '' },
  setuidgid: { flags: '', valued: '', operands: 1, privileged: true },
  envuidgid: { flags: '', valued: '', operands: 1 },
  envdir: { flags: '', valued: '', operands: 1 },
  setlock: { flags: 'nNxX', valued: '', operands: 1 },
  softlimit: { flags: '', valued: 'amdsloprctf' },
  // `capsh [options] -- ARGS` runs /bin/bash ARGS.
  capsh: { flags: '', valued: '', locate: afterWord(['--', '==']) },
};

/** The command starts after one marker word (`gdb [options] --args PROGRAM ARGS`); without it, none runs. */
function afterWord(markers: readonly string[]): (args: readonly Arg[]) => WrapperParse {
  return (args) => {
    const at = args.findIndex((a) => !a.dynamic && markers.includes(a.text));
    const dynamic = args.findIndex((a) => a.dynamic && a.splits);
    if (dynamic >= 0 && (at < 0 || dynamic < at)) return { options: new Map(), assignments: [], commandIndex: dynamic, uncertain: `'${args[dynamic]!.text}' is only known at run time` };
    return { options: new Map(), assignments: [], commandIndex: at < 0 ? args.length : at + 1 };
  };
}

/** `perf stat [options] CMD`, `rr record [options] CMD`: a subcommand that runs one; options up to the first operand. */
function subcommandThen(runs: readonly string[], valued: string): (args: readonly Arg[]) => WrapperParse {
  return (args) => {
    const none: WrapperParse = { options: new Map(), assignments: [], commandIndex: args.length };
    let i = 0;
    while (i < args.length && args[i]!.text.startsWith('-') && !args[i]!.dynamic) i++;
    const sub = args[i];
    if (!sub || sub.dynamic || !runs.includes(sub.text)) return sub?.dynamic ? { ...none, commandIndex: i, uncertain: `'${sub.text}' is only known at run time` } : none;
    for (i++; i < args.length; i++) {
      const a = args[i]!;
      if (a.dynamic) return { ...none, commandIndex: i, uncertain: `'${a.text}' is only known at run time` };
      if (a.text === '--') return { ...none, commandIndex: i + 1 };
      if (!a.text.startsWith('-') || a.text === '-') break;
      if (a.text.startsWith('--')) {
        if (!a.text.includes('=')) return { ...none, commandIndex: i, uncertain: `cannot tell whether ${a.text} takes a value` };
        continue;
      }
      if (a.text.length === 2 && valued.includes(a.text[1]!)) i++;
    }
    return { ...none, commandIndex: i };
  };
}

/** `ip [options] netns exec NAME CMD` (ip accepts prefixes: `ip net e NAME CMD`), `ip -all netns exec CMD`, `ip vrf exec NAME CMD`. */
function ipNetnsExec(args: readonly Arg[]): WrapperParse {
  const none: WrapperParse = { options: new Map(), assignments: [], commandIndex: args.length };
  let i = 0;
  let all = false;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a.dynamic) return { ...none, commandIndex: i, uncertain: `'${a.text}' is only known at run time` };
    if (!a.text.startsWith('-')) break;
    const name = a.text.replace(/^--?/, '');
    if (name === 'all' || name === 'a') all = true;
    // -n NS, -b FILE, -rc FILE, -l N, -c=WHEN: the ones that consume a word.
    if (['n', 'netns', 'b', 'batch', 'rc', 'rcvbuf', 'l', 'loops', 'family', 'f'].includes(name)) {
      if (name === 'b' || name === 'batch') none.options.set('b', args[i + 1] ?? true);
      i++;
    }
  }
  const obj = args[i];
  const verb = args[i + 1];
  const netns = obj !== undefined && !obj.dynamic && obj.text.length >= 3 && 'netns'.startsWith(obj.text);
  // `ip vrf exec NAME CMD` runs a command too.
  const vrf = obj !== undefined && !obj.dynamic && obj.text !== '' && 'vrf'.startsWith(obj.text);
  if (!netns && !vrf) return obj?.dynamic ? { ...none, commandIndex: i, uncertain: `'${obj.text}' is only known at run time` } : none;
  if (!verb || verb.dynamic || verb.text === '' || !'exec'.startsWith(verb.text)) return verb?.dynamic ? { ...none, commandIndex: i + 1, uncertain: `'${verb.text}' is only known at run time` } : none;
  return { ...none, commandIndex: all && netns ? i + 2 : i + 3 };
}

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
  if (spec.locate) return spec.locate(args);
  if (spec.operandsFirst && spec.operands) {
    const head = args.slice(0, spec.operands);
    if (head.length < spec.operands) return { options: new Map(), assignments: [], commandIndex: args.length, uncertain: 'missing operand' };
    if (head.some((a) => a.dynamic && a.splits)) return { options: new Map(), assignments: [], commandIndex: 0, uncertain: 'an operand is only known at run time' };
    const tail = parseWrapper({ ...spec, operands: 0, operandsFirst: false }, args.slice(spec.operands));
    return { ...tail, commandIndex: tail.commandIndex + spec.operands };
  }
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
      if (spec.anyLong && !valued) options.set(raw, eq >= 0 ? { ...arg, text: t.slice(eq + 1), prefix: t.slice(eq + 1) } : true);
      else if (flag && eq < 0) options.set(alias(flag), true);
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
