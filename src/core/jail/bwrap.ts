import fs from 'node:fs';
import { secretFiles, type SecretFileContext } from '../environment/secret-files';
import { strayKernelMounts, type HostMount } from './oci';

/**
 * The bubblewrap form of the jail (the quiet path): the whole filesystem
 * read-only, the writable paths bound over it, the protected paths bound
 * read-only again, secret files masked, sized private /tmp and /dev/shm, a
 * read-only /dev, a fresh /proc with /proc/sys read-only, and every
 * namespace of its own (user when not root, PID, IPC, UTS, cgroup, and
 * network unless asked for), no capabilities, no new privileges, a new
 * session (no TIOCSTI into the terminal), and the seccomp filter.
 */
export interface BwrapSpec {
  /** Existing paths bound read-write. */
  writable: readonly string[];
  /** Existing paths inside `writable` bound read-only over it (start-up files, hooks). */
  readOnly: readonly string[];
  /** Whose secret files are masked (an empty tmpfs over folders, /dev/null over files); none for a jail run elsewhere. */
  secrets?: SecretFileContext;
  network: boolean;
  /** Size of /tmp and of /dev/shm each. */
  tmpBytes: number;
  cwd: string;
  /** The mounts of the machine the jail is made on (read from this process's mount table when absent). */
  mounts?: readonly HostMount[];
}

export const DEFAULT_TMP_BYTES = 256 * 1024 * 1024;

/** Closes every descriptor above stderr before the command starts: aios may hold some without close-on-exec, and bubblewrap passes them on. */
export const CLOSE_FDS =
  'for f in /proc/self/fd/*; do f=${f##*/}; [ "$f" -gt 2 ] && [ -e "/proc/self/fd/$f" ] && eval "exec $f>&-"; done; exec "$0" "$@"';

const exists = (p: string) => {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

const reachable = (p: string) => {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export function maskArgs(secrets: SecretFileContext, under?: (p: string) => boolean): string[] {
  const args: string[] = [];
  for (const s of secretFiles(secrets)) {
    if (under && !under(s.path)) continue;
    let st: fs.Stats;
    try {
      // One the caller cannot read is kept from it already (and bubblewrap could not mount over it).
      fs.accessSync(s.path, fs.constants.R_OK);
      st = fs.lstatSync(s.path);
    } catch {
      continue;
    }
    // A link is no mount point (its target, where it is a secret, is listed by its own path).
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) args.push('--size', '4096', '--tmpfs', s.path, '--remount-ro', s.path);
    else args.push('--ro-bind', '/dev/null', s.path);
  }
  return args;
}

/** bwrap's arguments up to (not including) the `--` before the command; the seccomp program is read from fd 3. */
export function bwrapArgs(spec: BwrapSpec, asRoot: boolean): string[] {
  const size = String(spec.tmpBytes);
  const args = [
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--size',
    size,
    '--tmpfs',
    '/dev/shm',
    '--remount-ro',
    '/dev',
    '--proc',
    '/proc',
    '--ro-bind',
    '/proc/sys',
    '/proc/sys',
    ...(exists('/proc/sysrq-trigger') ? ['--ro-bind', '/proc/sysrq-trigger', '/proc/sysrq-trigger'] : []),
    '--size',
    size,
    '--tmpfs',
    '/tmp',
  ];
  for (const w of spec.writable) args.push('--bind', w, w);
  for (const r of spec.readOnly) args.push('--ro-bind', r, r);
  // A /proc mounted elsewhere (a root file system being built) would show the host's processes; one the caller cannot reach is no window.
  for (const m of strayKernelMounts(spec.mounts)) if (reachable(m)) args.push('--size', '4096', '--tmpfs', m, '--remount-ro', m);
  if (spec.secrets) args.push(...maskArgs(spec.secrets));
  // Root keeps its uid without a user namespace (files keep their owners' names) and loses every capability;
  // others get one. No further ones for either: the seccomp filter refuses them (bubblewrap's --disable-userns
  // would need a writable /proc/sys, which an nspawn machine does not give).
  args.push(...(asRoot ? [] : ['--unshare-user']), '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try');
  if (!spec.network) args.push('--unshare-net');
  args.push('--cap-drop', 'ALL', '--die-with-parent', '--new-session', '--seccomp', '3', '--chdir', spec.cwd);
  return args;
}
