import { spawnSync } from 'node:child_process';
import { findExecutable } from '../executable';

/**
 * How a command the person approved (or one that runs as notify) starts: not
 * confined, so it can do what it was approved for (sudo, services, mounts),
 * but in its own PID namespace whose first process ends the whole namespace
 * when aios goes away. That process holds the read end of a pipe whose
 * write end only aios has: when aios exits or is killed, or asks it to stop,
 * the pipe closes and every process in the namespace is killed, sudo's
 * root-owned children too. Descriptors above stderr are closed first.
 *
 * argv after the init script: SHELL -c COMMAND (or `setpriv … SHELL -c COMMAND` through sudo).
 */
export const LIFELINE_INIT = [
  'exec 3<&0 </dev/null',
  'for f in /proc/self/fd/*; do f=${f##*/}; [ "$f" -gt 3 ] && [ -e "/proc/self/fd/$f" ] && eval "exec $f>&-"; done',
  // The command first, then the watcher: a lifeline already closed (aios gave up at once) must still find it to kill.
  '"$@" 3<&- &',
  'cmd=$!',
  // kill -1 reaches every process of this PID namespace and nothing outside it; the first process then ends, which ends the namespace.
  '{ read -r _ <&3; kill -KILL -1; } &',
  'wait $cmd',
].join('\n');

export type ApprovedMode = 'root' | 'sudo' | 'user-namespace' | 'plain';

export interface ApprovedLaunch {
  file: string;
  args: string[];
  mode: ApprovedMode;
  /** The environment the launcher needs (through sudo the command's own travels in argv, as sudo resets it). */
  env: NodeJS.ProcessEnv;
}

/** Which ways to a PID namespace work here, each tried once for real (a container may forbid them; sudoers may not allow unshare). */
const works = new Map<string, boolean>();
function tryOnce(key: string, file: string, args: string[]): boolean {
  let ok = works.get(key);
  if (ok === undefined) {
    ok = spawnSync(file, args, { stdio: 'ignore', timeout: 5000 }).status === 0;
    works.set(key, ok);
  }
  return ok;
}
const rootPidNs = () => tryOnce('root', tool('unshare'), ['--pid', '--fork', 'true']);
const sudoPidNs = () => tryOnce('sudo', tool('sudo'), ['-n', '--', tool('unshare'), '--pid', '--fork', 'true']);
const userPidNs = () => tryOnce('user', tool('unshare'), ['--map-current-user', '--pid', '--fork', 'true']);

const PID_NS = ['--pid', '--fork', '--kill-child'];
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The system's own tools, whatever PATH the command is given. */
const tool = (name: string) => findExecutable(name, SYSTEM_PATH) ?? name;

/** The launch of an unconfined command that dies with aios (stdin must be a pipe aios holds open). */
export function approvedLaunch(shell: string, command: string, env: NodeJS.ProcessEnv): ApprovedLaunch {
  const uid = process.getuid?.() ?? 0;
  // --norc: node's stdio pipes are socketpairs, and bash reads ~/.bashrc when stdin is a socket ("run by rshd").
  const init = ['/bin/bash', '--norc', '--noprofile', '-c', LIFELINE_INIT, 'aios-command'];
  if (uid === 0 && rootPidNs()) return { file: tool('unshare'), args: [...PID_NS, '--', ...init, shell, '-c', command], mode: 'root', env };
  if (uid !== 0 && sudoPidNs()) {
    // The namespace's first process is root's (so it can end root's processes); the command is the caller's again.
    const vars = Object.entries(env)
      .filter((e): e is [string, string] => e[1] !== undefined && !e[0].includes('='))
      .map(([k, v]) => `${k}=${v}`);
    const drop = [
      'setpriv',
      `--reuid=${uid}`,
      `--regid=${process.getgid?.() ?? uid}`,
      '--init-groups',
      '--',
      'env',
      '-i',
      ...vars,
      shell,
      '-c',
      command,
    ];
    return {
      file: tool('sudo'),
      args: ['-n', '--', tool('unshare'), ...PID_NS, '--', ...init, ...drop],
      mode: 'sudo',
      env: { PATH: env.PATH ?? '/usr/bin:/bin' },
    };
  }
  if (uid !== 0 && userPidNs())
    return {
      file: tool('unshare'),
      args: ['--map-current-user', ...PID_NS, '--', ...init, shell, '-c', command],
      mode: 'user-namespace',
      env,
    };
  // No way to a PID namespace: the process group and the pipe still end what stays in the group.
  return {
    file: '/bin/bash',
    args: [
      '--norc',
      '--noprofile',
      '-c',
      LIFELINE_INIT.replace('kill -KILL -1', 'kill -KILL -- -$$'),
      'aios-command',
      shell,
      '-c',
      command,
    ],
    mode: 'plain',
    env,
  };
}
