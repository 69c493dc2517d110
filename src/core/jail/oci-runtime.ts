import fs from 'node:fs';
import path from 'node:path';
import { inUserNamespace } from './oci';

/**
 * Which OCI runtime starts the preview's and the transactions' jail, decided
 * here only. crun (C) starts a container in a fraction of runc's (Go) time,
 * so it is taken when it is installed; runc otherwise. Both read the same
 * config.json and honour the same walls (test/jail/ runs under either).
 * `AIOS_OCI_RUNTIME=runc` (or `crun`) chooses one explicitly.
 */

export type OciRuntimeName = 'crun' | 'runc';

export interface OciRuntime {
  name: OciRuntimeName;
  /** Absolute path of the binary, found on the jail's own PATH. */
  file: string;
  /**
   * A shell line run before the runtime, in the lifeline's own mount namespace: crun refuses a hybrid cgroup layout
   * whose cgroup v2 tree holds a controller (hugetlb here), so that tree is unmounted there, for crun's eyes only. The
   * container's limits live in the v1 hierarchies (memory, pids) either way. Should it fail, crun says why it cannot
   * start, and nothing runs.
   */
  prelude: string;
}

/** The PATH the jail's launcher runs with (preview-launch.ts spawns with it). */
export const JAIL_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const UNIFIED = '/sys/fs/cgroup/unified';

export function findOnPath(name: string, searchPath = JAIL_PATH): string | null {
  for (const dir of searchPath.split(':')) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return null;
}

/** Whether cgroups are the hybrid layout with a controller in the v2 tree (what crun refuses). */
export function hybridWithV2Controllers(root = '/sys/fs/cgroup'): boolean {
  try {
    if (fs.statfsSync(root).type === 0x63677270) return false; // cgroup2 at the top: unified, not hybrid
    return fs.readFileSync(path.join(root, 'unified', 'cgroup.controllers'), 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

/**
 * The runtime for this machine. crun is skipped where it could not start
 * (a hybrid layout it refuses, inside a user namespace that cannot unmount
 * the v2 tree): runc then, as before.
 */
export function chooseOciRuntime(
  env: NodeJS.ProcessEnv = process.env,
  searchPath = JAIL_PATH,
  facts: { hybrid: boolean; userNamespace: boolean } = { hybrid: hybridWithV2Controllers(), userNamespace: inUserNamespace() },
): OciRuntime | null {
  const wanted = env.AIOS_OCI_RUNTIME;
  if (wanted !== undefined && wanted !== '' && wanted !== 'crun' && wanted !== 'runc')
    throw new Error(`AIOS_OCI_RUNTIME must be "crun" or "runc", not "${wanted}"`);
  const crunPrelude = facts.hybrid ? `umount ${UNIFIED} 2>/dev/null` : '';
  const crunUsable = !facts.hybrid || !facts.userNamespace;
  const crun = wanted !== 'runc' ? findOnPath('crun', searchPath) : null;
  if (crun && (crunUsable || wanted === 'crun')) return { name: 'crun', file: crun, prelude: crunPrelude };
  if (wanted === 'crun') return null;
  const runc = findOnPath('runc', searchPath);
  return runc ? { name: 'runc', file: runc, prelude: '' } : null;
}

let chosen: { setting: string | undefined; runtime: OciRuntime | null } | undefined;
/** The runtime for this process: chosen again only when `AIOS_OCI_RUNTIME` changes (the machine does not change under it). */
export function ociRuntime(): OciRuntime | null {
  const setting = process.env.AIOS_OCI_RUNTIME;
  if (chosen?.setting !== setting || chosen === undefined) chosen = { setting, runtime: chooseOciRuntime() };
  return chosen.runtime;
}

/** The runtime's global options: its state in `stateDir`, its log as JSON lines (read by `runtimeError`). */
export function runtimeArgv(rt: OciRuntime, stateDir: string, debug = !!process.env.AIOS_RUNC_DEBUG): string[] {
  return [
    rt.file,
    ...(debug ? ['--debug'] : []),
    `--root=${path.join(stateDir, 'oci')}`,
    `--log=${path.join(stateDir, 'oci.log')}`,
    '--log-format=json',
  ];
}

/** The runtime's own error, from its JSON log: the container could not be made. */
export function runtimeError(log: string): string | null {
  for (const line of log.split('\n')) {
    if (!line) continue;
    try {
      const e = JSON.parse(line) as { level?: string; msg?: string };
      if (e.level === 'error' && e.msg) return e.msg.replace(/^runc run failed: /, '');
    } catch {
      // Not JSON: not the runtime's.
    }
  }
  return null;
}

export interface MountFailure {
  /** What was mounted: a path, or the filesystem type ("overlay"). */
  source: string;
  /** Where, as an absolute path inside the jail (the host's same path). */
  target: string;
  /** The kernel's answer, as the runtime wrote it. */
  reason: string;
}

/**
 * A mount the runtime could not make, read from its error: runc says
 * `error mounting "SRC" to rootfs at "DEST": WHY`, crun says
 * ``mount `SRC` to `dest`: WHY`` (dest relative to the rootfs) or, for a
 * source that is gone, ``error stat'ing file `SRC`: WHY``.
 */
export function mountFailure(error: string): MountFailure | null {
  const runc = /error mounting "([^"]+)" to rootfs at "([^"]+)"(?:: (.*))?$/s.exec(error);
  if (runc) return { source: runc[1] as string, target: runc[2] as string, reason: runc[3] ?? '' };
  const crun = /mount `([^`]+)` to `([^`]+)`: (.*)$/s.exec(error);
  if (crun) {
    const target = crun[2] as string;
    return { source: crun[1] as string, target: target.startsWith('/') ? target : `/${target}`, reason: crun[3] as string };
  }
  const gone = /error stat'ing file `([^`]+)`: (.*)$/s.exec(error);
  if (gone) return { source: gone[1] as string, target: gone[1] as string, reason: gone[2] as string };
  return null;
}
