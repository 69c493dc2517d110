import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * The system-call filter of every jail: the containers project's default
 * profile (an allow-list whose entries depend on the capabilities the jail
 * keeps), with aios's own denials on top, whatever the profile allows:
 * nothing inside may make namespaces or mounts, touch keyrings, load BPF or
 * modules, trace, read other processes' memory, set the clock or host name,
 * reboot or swap. runc reads this (OCI) form directly; bubblewrap gets it
 * compiled to BPF by libseccomp's Python binding, once per process.
 */

export const CONTAINERS_PROFILE = '/usr/share/containers/seccomp.json';

const AF_UNIX = 1;
const EPERM = 1;
const EACCES = 13;
const ENOSYS = 38;
/** clone(2)'s namespace flags: NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME. */
const CLONE_NEW_ANY = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080;

/** Denied in every jail, whatever the profile allows. */
export const JAIL_DENIED_SYSCALLS = [
  'unshare',
  'setns',
  'mount',
  'umount',
  'umount2',
  'pivot_root',
  'chroot',
  'mount_setattr',
  'open_tree',
  'move_mount',
  'fsopen',
  'fsconfig',
  'fsmount',
  'fspick',
  'keyctl',
  'add_key',
  'request_key',
  'bpf',
  'perf_event_open',
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'kcmp',
  'pidfd_getfd',
  'init_module',
  'finit_module',
  'delete_module',
  'kexec_load',
  'kexec_file_load',
  'reboot',
  'settimeofday',
  'clock_settime',
  'clock_adjtime',
  'adjtimex',
  'sethostname',
  'setdomainname',
  'swapon',
  'swapoff',
  'acct',
  'syslog',
  'userfaultfd',
  'open_by_handle_at',
  'name_to_handle_at',
  'iopl',
  'ioperm',
  'lookup_dcookie',
  'fanotify_init',
  'quotactl',
  'nfsservctl',
  'vhangup',
] as const;

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}
export interface SeccompRule {
  names: string[];
  action: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';
  errnoRet?: number;
  args?: SeccompArg[];
}
/** The OCI runtime spec's `linux.seccomp`. */
export interface SeccompProfile {
  defaultAction: 'SCMP_ACT_ERRNO';
  defaultErrnoRet: number;
  architectures: string[];
  syscalls: SeccompRule[];
}

interface DockerRule {
  names?: string[];
  name?: string;
  action: string;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[] };
}

export interface SeccompOptions {
  /** Capabilities the jail keeps (`CAP_…`): the profile's entries that need others are left out. */
  caps: readonly string[];
  /** May processes open unix sockets (which reach services through any visible socket file)? */
  unixSockets: boolean;
  /** The profile to start from (tests point it elsewhere). */
  profilePath?: string;
}

export class JailUnavailableError extends Error {
  readonly code = 'JAIL_UNAVAILABLE';
}

function applies(rule: DockerRule, caps: ReadonlySet<string>): boolean {
  const inc = rule.includes ?? {};
  const exc = rule.excludes ?? {};
  if (inc.arches?.length && !inc.arches.includes('amd64')) return false;
  if (exc.arches?.includes('amd64')) return false;
  if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) return false;
  if (exc.caps?.some((c) => caps.has(c))) return false;
  return !inc.minKernel;
}

/** The jail's filter in OCI form. Native x86-64 only: a 32-bit system call is refused outright. */
export function jailSeccompProfile(o: SeccompOptions): SeccompProfile {
  let raw: { defaultErrnoRet?: number; syscalls: DockerRule[] };
  try {
    raw = JSON.parse(fs.readFileSync(o.profilePath ?? CONTAINERS_PROFILE, 'utf8')) as typeof raw;
  } catch (err) {
    throw new JailUnavailableError(
      `the containers' seccomp profile cannot be read (${(err as Error).message}); install the golang-github-containers-common package`,
    );
  }
  const caps = new Set(o.caps);
  const denied = new Set<string>([...JAIL_DENIED_SYSCALLS, 'clone', 'clone3', ...(o.unixSockets ? [] : ['socket'])]);
  const syscalls: SeccompRule[] = [];
  for (const rule of raw.syscalls) {
    if (!applies(rule, caps) || (rule.action !== 'SCMP_ACT_ALLOW' && rule.action !== 'SCMP_ACT_ERRNO')) continue;
    const names = (rule.names ?? (rule.name ? [rule.name] : [])).filter((n) => !denied.has(n));
    if (names.length === 0) continue;
    syscalls.push({
      names,
      action: rule.action,
      ...(rule.errnoRet ? { errnoRet: rule.errnoRet } : {}),
      ...(rule.args?.length ? { args: rule.args } : {}),
    });
  }
  syscalls.push({ names: [...JAIL_DENIED_SYSCALLS], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM });
  // Every fork is a clone without namespace flags; clone3's flags sit behind a pointer, so it is "not here" and libc falls back to clone.
  syscalls.push({
    names: ['clone'],
    action: 'SCMP_ACT_ALLOW',
    args: [{ index: 0, value: CLONE_NEW_ANY, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
  });
  syscalls.push({
    names: ['clone'],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: EPERM,
    args: [{ index: 0, value: CLONE_NEW_ANY, valueTwo: CLONE_NEW_ANY, op: 'SCMP_CMP_MASKED_EQ' }],
  });
  syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  if (!o.unixSockets) {
    // socketpair stays: it links two processes of the jail, not the jail to a service.
    syscalls.push({ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: AF_UNIX, op: 'SCMP_CMP_NE' }] });
    syscalls.push({
      names: ['socket'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: EACCES,
      args: [{ index: 0, value: AF_UNIX, op: 'SCMP_CMP_EQ' }],
    });
  }
  return { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: raw.defaultErrnoRet ?? ENOSYS, architectures: ['SCMP_ARCH_X86_64'], syscalls };
}

/** Reads the OCI profile on stdin, writes libseccomp's BPF on stdout. */
const COMPILER = String.raw`
import json, sys
import seccomp
p = json.load(sys.stdin)
OPS = {'SCMP_CMP_NE': seccomp.NE, 'SCMP_CMP_LT': seccomp.LT, 'SCMP_CMP_LE': seccomp.LE, 'SCMP_CMP_EQ': seccomp.EQ,
       'SCMP_CMP_GE': seccomp.GE, 'SCMP_CMP_GT': seccomp.GT, 'SCMP_CMP_MASKED_EQ': seccomp.MASKED_EQ}
default = p['defaultErrnoRet']
f = seccomp.SyscallFilter(defaction=seccomp.ERRNO(default))
for r in p['syscalls']:
    if r['action'] == 'SCMP_ACT_ALLOW':
        act = seccomp.ALLOW
    else:
        if not r.get('args') and r.get('errnoRet', 1) == default:
            continue
        act = seccomp.ERRNO(r.get('errnoRet', 1))
    args = [seccomp.Arg(a['index'], OPS[a['op']], a['value'], a.get('valueTwo', 0)) for a in (r.get('args') or [])]
    for name in r['names']:
        try:
            f.add_rule(act, name, *args)
        except (RuntimeError, ValueError, OSError):
            pass  # not a system call of this architecture or of this libseccomp
f.export_bpf(sys.stdout)
`;

const compiled = new Map<string, Buffer>();

/**
 * The BPF program for bubblewrap's --seccomp, compiled once per variant and
 * kept in memory (a cached file could be rewritten by a jailed command).
 * Throws JailUnavailableError when it cannot be made: the jail then refuses
 * to run anything.
 */
export function seccompBpf(o: SeccompOptions): Buffer {
  const key = JSON.stringify([[...o.caps].sort(), o.unixSockets, o.profilePath ?? '']);
  const hit = compiled.get(key);
  if (hit) return hit;
  const profile = jailSeccompProfile(o);
  // Debian's interpreter: the binding is a Debian package (python3-seccomp), not on pyenv's or a venv's path.
  const r = spawnSync('/usr/bin/python3', ['-c', COMPILER], { input: JSON.stringify(profile), maxBuffer: 1 << 20, timeout: 20_000 });
  if (r.error || r.status !== 0 || r.stdout.length === 0 || r.stdout.length % 8 !== 0) {
    const why = r.error?.message ?? (r.stderr.toString().trim().split('\n').pop() || `exit ${r.status}`);
    throw new JailUnavailableError(`the jail's seccomp filter cannot be compiled (${why}); install the python3-seccomp package`);
  }
  compiled.set(key, r.stdout);
  return r.stdout;
}
