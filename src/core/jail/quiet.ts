import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SecretFileContext } from '../environment/secret-files';
import { bwrapArgs, CLOSE_FDS, DEFAULT_TMP_BYTES } from './bwrap';
import type { HostMount } from './oci';
import { commandCgroup, joinCgroupsArgv, QUIET_LIMITS, ulimitLine, type JailLimits } from './limits';
import { JailUnavailableError, seccompBpf } from './seccomp';

/** A program to start with the jail's seccomp program written to its fd 3 (bubblewrap reads it there). */
export interface JailLaunch {
  file: string;
  args: string[];
  seccomp: Buffer;
  /** Called once the command has ended: removes its cgroup, where it has one. */
  release?: () => void;
}

export interface QuietConfinement {
  workTree: string;
  readOnly: readonly string[];
  secrets?: SecretFileContext;
  /** Overrides of the quiet path's limits (QUIET_LIMITS). */
  limits?: Partial<JailLimits>;
}

const asRoot = () => (process.getuid?.() ?? 0) === 0;

/** For a jail made here and run in another machine (a test's nspawn container): who runs it there, and its mounts. */
export interface ElsewhereOptions {
  asRoot: boolean;
  mounts: readonly HostMount[];
}

/**
 * The quiet path's jail for `shell -c command` in `cwd`: writable tree, no network, no unix sockets, limits on
 * memory, processes, CPU time and file size. Throws JailUnavailableError (root without a cgroup: nothing would hold
 * its processes, as the kernel exempts root from RLIMIT_NPROC). The caller calls `release` when the command ends.
 */
export function quietLaunch(
  bwrap: string,
  shell: string,
  command: string,
  c: QuietConfinement,
  cwd: string = c.workTree,
  elsewhere?: ElsewhereOptions,
): JailLaunch {
  const seccomp = seccompBpf({ caps: [], unixSockets: false });
  const limits = { ...QUIET_LIMITS, ...c.limits };
  const root = elsewhere?.asRoot ?? asRoot();
  // A jail run in another machine gets no cgroup from here: its rlimits only.
  const cgroup = elsewhere ? undefined : commandCgroup(limits);
  if (root && !cgroup && !elsewhere)
    throw new JailUnavailableError(
      'as root the quiet path needs a cgroup to limit its processes (the kernel exempts root from RLIMIT_NPROC), and none can be made here (/sys/fs/cgroup is read-only or not ours); commands run as notify',
    );
  // Secret files are looked up on this machine: for a jail run in another, the caller masks what it knows there.
  const spec = {
    writable: [c.workTree],
    readOnly: c.readOnly,
    network: false,
    tmpBytes: DEFAULT_TMP_BYTES,
    cwd,
    ...(elsewhere ? { mounts: elsewhere.mounts } : { secrets: c.secrets ?? {} }),
  };
  const jailed = [
    ...bwrapArgs(spec, root),
    '--',
    '/bin/bash',
    '--norc',
    '--noprofile',
    '-c',
    `${ulimitLine(limits, cgroup !== undefined)}; ${CLOSE_FDS}`,
    shell,
    '-c',
    command,
  ];
  if (!cgroup) return { file: bwrap, args: jailed, seccomp };
  // Born in its cgroup: a shell joins it, then becomes bubblewrap.
  return { ...joinCgroupsArgv(cgroup.joinFiles, [bwrap, ...jailed]), seccomp, release: cgroup.release };
}

/** Runs a probe in the quiet jail; undefined when it works, else why not (in words that say what to do). */
export function probeQuietJail(bwrap: string): string | undefined {
  let launch: JailLaunch;
  try {
    launch = quietLaunch(bwrap, '/bin/sh', 'test ! -w /usr && echo confined', { workTree: '/', readOnly: [] }, '/');
    // The probe binds nothing writable: drop the tree bind ("/" read-write would be the whole machine).
    const i = launch.args.indexOf('--bind');
    if (i >= 0) launch.args.splice(i, 3);
  } catch (err) {
    return err instanceof JailUnavailableError ? err.message : `the jail cannot be prepared: ${(err as Error).message}`;
  }
  const fd = sealedFd(launch.seccomp);
  let r;
  try {
    const { file, args } = launch;
    r = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe', fd] });
  } finally {
    fs.closeSync(fd);
    launch.release?.();
  }
  if (r.error) return `bubblewrap cannot start: ${r.error.message}`;
  if (r.status !== 0 || !r.stdout.includes('confined')) {
    const why = (r.stderr || r.stdout).trim().split('\n')[0] ?? '';
    return `bubblewrap cannot create the jail here (${why || `exit ${r.status}`}); user namespaces may be off`;
  }
  return undefined;
}

/** spawnSync cannot feed fd 3 from a pipe: the probe hands the program over as an unlinked file in a private folder. */
function sealedFd(bpf: Buffer): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-jail-'));
  const file = path.join(dir, 'seccomp.bpf');
  try {
    fs.writeFileSync(file, bpf, { mode: 0o600 });
    return fs.openSync(file, 'r');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
