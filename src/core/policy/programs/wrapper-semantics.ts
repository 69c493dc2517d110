import { inspectAssignments } from './danger';
import { joinCode, type Findings } from './findings';
import { judgeWrapperOptions } from './wrapper-options';
import type { WrapperParse } from './wrappers';
import type { Arg } from '../shell/words';

/**
 * What a parsed wrapper means beyond "run the rest": when it runs no command
 * after all (`taskset -p`, `chrt -m`, `runuser` without `-u`), when it opens
 * a shell instead (`nsenter`, `setarch` without a program), which files it
 * writes (`strace -o`), and which options pull in code or configuration
 * (`dbus-run-session --dbus-daemon`, `fakeroot --faked`, `proxychains -f`).
 */

function dynamicWordForXargs(arg: Arg, replace: string): Arg {
  const at = arg.text.indexOf(replace);
  if (at < 0 || arg.dynamic) return arg;
  return { ...arg, dynamic: true, prefix: arg.text.slice(0, at) };
}

interface WrapperStep {
  /** Stop peeling: the wrapper runs no command (or one we cannot follow). */
  stop: boolean;
  open?: boolean;
  args?: Arg[];
}

/** What a parsed wrapper means beyond "run the rest". */
/** `own` are the wrapper's own words (before the command it runs). */
export function wrapperSemantics(name: string, parsed: WrapperParse, rest: Arg[], found: Findings, own: readonly Arg[] = []): WrapperStep {
  const o = parsed.options;
  const value = (k: string): Arg | undefined => {
    const v = o.get(k);
    return v === undefined || v === true ? undefined : v;
  };
  judgeWrapperOptions(name, parsed, own, found);
  const operand = own[own.length - 1];
  switch (name) {
    case 'sudo':
      if (o.has('e')) {
        found.floor('require_approval', 'sudo -e edits files as another user');
        return { stop: true };
      }
      if (value('D')) found.cd.push(value('D')!.dynamic ? { kind: 'unknown' } : { kind: 'dir', path: value('D')!.text });
      if (rest.length === 0 && (o.has('s') || o.has('i'))) found.floor('require_approval', 'opens a shell as another user');
      return { stop: ['l', 'v', 'k', 'K', 'V', 'h'].some((k) => o.has(k) && rest.length === 0) };
    case 'doas':
      // `doas -C FILE cmd` only checks whether FILE would permit cmd.
      if (o.has('C')) return { stop: true };
      if (rest.length === 0 && o.has('s')) found.floor('require_approval', 'opens a shell as another user');
      return { stop: false };
    case 'env': {
      const dir = value('C');
      if (dir) found.cd.push(dir.dynamic ? { kind: 'unknown' } : { kind: 'dir', path: dir.text });
      const split = o.get('S');
      if (split !== undefined) {
        const code = split === true ? undefined : joinCode([split, ...rest]);
        if (code === undefined) found.floor('require_approval', 'env -S runs a command only known at run time');
        else found.code(code, 'env -S');
        return { stop: true };
      }
      return { stop: false };
    }
    case 'command':
      return { stop: o.has('v') || o.has('V') };
    case 'time': {
      const out = value('o');
      if (out) found.write(out, 'time -o');
      return { stop: false };
    }
    case 'ionice':
      return { stop: o.has('p') || o.has('P') || o.has('u') };
    case 'chroot':
      if (rest.length === 0) found.floor('require_approval', 'chroot without a command opens a shell');
      if (operand && (operand.dynamic || operand.text.replace(/\/+/g, '/') !== '/')) {
        found.floor('require_approval', `chroot takes programs from ${operand.text}, so what runs there is not what the line names`);
      }
      return { stop: false };
    case 'xargs': {
      const replaceOpt = o.get('I') ?? o.get('i');
      const replace = replaceOpt === undefined ? undefined : replaceOpt === true ? '{}' : replaceOpt.text;
      const args = rest.length === 0 ? [{ text: 'echo', dynamic: false, prefix: 'echo', splits: false, glob: false, tilde: false }] : rest;
      return { stop: false, open: true, args: replace ? args.map((a, i) => (i === 0 ? a : dynamicWordForXargs(a, replace))) : args };
    }
    case 'taskset':
      return { stop: o.has('p') };
    case 'chrt':
      return { stop: o.has('p') || o.has('m') };
    case 'prlimit':
      return { stop: o.has('p') };
    case 'systemd-inhibit':
      return { stop: o.has('list') };
    case 'setlock':
    case 'lckdo':
      if (operand) found.write(operand, `${name} (lock file)`);
      return { stop: false };
    case 'flock':
      // The lock file is created when missing; a number is a file descriptor.
      if (operand && !/^\d+$/.test(operand.text)) found.write(operand, 'flock (lock file)');
      // `flock FILE -c CODE`: the code runs through sh -c; inspectCodeOption reads it.
      return { stop: o.has('c') || /^-[A-Za-z]*c$|^--command(=|$)/.test(rest[0]?.text ?? '') };
    case 'runuser':
      // Without -u, runuser is su: `runuser [-] USER [-c CODE]` (inspectCodeOption reads -c).
      return { stop: !o.has('u') || o.has('c') };
    case 'strace':
    case 'ltrace':
    case 'heaptrack': {
      const out = value('o');
      // strace's `-o '|cmd'` and `-o '!cmd'` pipe the trace into a command run by the shell.
      if (out && /^[|!]/.test(out.text)) {
        found.floor('require_approval', `${name} -o ${out.text} pipes its output into a command`);
        if (!out.dynamic) found.code(out.text.slice(1), `${name} -o |`);
      } else if (out) found.write(out, `${name} -o`);
      const env = o.get('E');
      if (env !== undefined && env !== true) inspectAssignments([env], { found }, `${name} -E`);
      return { stop: false };
    }
    case 'valgrind':
      for (const key of ['log-file', 'xml-file']) {
        const v = value(key);
        if (v) found.write(v, `valgrind --${key}`);
      }
      if (o.has('db-command') || o.has('db-attach')) found.floor('require_approval', 'valgrind --db-command runs a command');
      return { stop: false };
    case 'gdb':
      found.floor('require_approval', 'gdb runs the commands it is given (-ex, -x, .gdbinit) and can change the program it runs');
      gdbShellCommands(own, found);
      return { stop: false };
    case 'perf':
    case 'rr':
      return { stop: false };
    case 'ip':
      if (o.has('b')) found.floor('require_approval', 'ip -batch runs the ip commands in a file (netns exec runs any command)');
      return { stop: false };
    case 'nsenter':
    case 'setarch':
    case 'linux32':
    case 'linux64':
      if (rest.length === 0) found.floor('require_approval', `${name} without a program opens a shell`);
      return { stop: false };
    case 'dbus-run-session':
    case 'dbus-launch':
      if (o.has('dbus-daemon')) found.floor('require_approval', `${name} --dbus-daemon runs the program it names`);
      if (o.has('config-file'))
        found.floor('require_approval', `${name} --config-file loads a bus configuration, which can start programs`);
      return { stop: false };
    case 'fakeroot':
      if (o.has('faked') || o.has('l') || o.has('lib'))
        found.floor('require_approval', 'fakeroot --faked / --lib loads a program or library it is given');
      if (value('s')) found.write(value('s')!, 'fakeroot -s');
      return { stop: false };
    case 'proxychains':
    case 'proxychains4':
      if (o.has('f')) found.floor('require_approval', `${name} -f loads a configuration from a file`);
      return { stop: false };
    case 'firejail':
      if ([...o.keys()].some((k) => /^(profile|include|join|shell|private-bin|build|blacklist|whitelist)/.test(k))) {
        found.floor('require_approval', 'firejail options load profiles or change what runs');
      }
      return { stop: false };
    case 'rlwrap': {
      // `-C NAME` keeps its history in ~/.NAME_history.
      const cmdName = value('C') ?? value('command-name');
      if (cmdName) found.write({ ...cmdName, text: `~/.${cmdName.text}_history`, tilde: true }, 'rlwrap -C (history file)');
      return { stop: false };
    }
    case 'logsave':
      // `logsave [-asv] LOGFILE CMD…`: writes LOGFILE.
      if (rest.length === 0) return { stop: true };
      found.write(rest[0]!, 'logsave');
      return { stop: rest.length < 2, args: rest.slice(1) };
    case 'envdir':
      found.floor('require_approval', 'envdir sets variables from the files in a directory (PATH, LD_PRELOAD, … can change what runs)');
      return { stop: false };
    case 'capsh':
      // Everything after `--` is given to /bin/bash.
      return {
        stop: rest.length === 0,
        args: [{ text: 'bash', dynamic: false, prefix: 'bash', splits: false, glob: false, tilde: false }, ...rest],
      };
    default:
      return { stop: false };
  }
}

/** `sg GROUP [-c] CODE`: the code runs through /bin/sh -c; without it, a shell opens. */
export function sgCode(args: readonly Arg[], found: Findings): void {
  const rest = args.filter((a, i) => !(i === 0 && a.text === '-'));
  const code = rest.slice(1).filter((a, i) => !(i === 0 && a.text === '-c'));
  if (code.length === 0) {
    found.floor('require_approval', 'sg without a command opens a shell');
    return;
  }
  const text = joinCode(code);
  if (text === undefined) found.floor('require_approval', 'sg runs code only known at run time');
  else found.code(text, 'sg');
}

/** gdb's `-ex 'shell CMD'`, `-ex '!CMD'` and `-ex 'pipe GDBCMD | CMD'` run CMD through /bin/sh -c. */
function gdbShellCommands(own: readonly Arg[], found: Findings): void {
  for (let i = 0; i < own.length; i++) {
    const t = own[i]!.text;
    let value: Arg | undefined;
    if (/^--?(ex|iex|eval-command|init-eval-command)$/.test(t)) value = own[++i];
    else if (/^--?(eval-command|init-eval-command)=/.test(t)) value = { ...own[i]!, text: t.slice(t.indexOf('=') + 1) };
    if (!value) continue;
    if (value.dynamic) {
      found.floor('require_approval', 'gdb runs a command only known at run time');
      continue;
    }
    const v = value.text.trim();
    const shell =
      /^(?:shell\s+|!)([\s\S]*)$/.exec(v)?.[1] ??
      (/^(?:pipe|\|)\s/.test(v) && v.indexOf('|', 1) > 0 ? v.slice(v.indexOf('|', v.startsWith('|') ? 1 : 0) + 1) : undefined);
    if (shell !== undefined && shell.trim() !== '') found.code(shell, 'gdb shell');
  }
}
