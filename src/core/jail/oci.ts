import fs from 'node:fs';
import path from 'node:path';
import { secretFiles, type SecretFileContext } from '../environment/secret-files';
import { jailSeccompProfile } from './seccomp';

/**
 * The OCI form of the jail, for runc (the preview): the host's filesystem
 * rebuilt mount by mount, every mount read-only except the overlaid targets
 * (and the mounts beneath them, each its own overlay), the OCI default masked
 * and read-only /proc paths, Docker's default capabilities, the seccomp
 * filter, and cgroup limits on memory (which also bounds the upper layers:
 * they live on tmpfs, charged to the preview) and processes.
 */

/** Docker's default capability set: enough for a package manager running as root, none of the kernel's knobs. */
export const DOCKER_DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

const CAP_NUMBER: Record<string, number> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_RAW: 13,
  CAP_SYS_CHROOT: 18,
  CAP_MKNOD: 27,
  CAP_AUDIT_WRITE: 29,
  CAP_SETFCAP: 31,
};

/** Docker's set, less what this process's bounding set lacks (a machine may withhold some): asking for more fails the start. */
export function availableCaps(status = fs.readFileSync('/proc/self/status', 'utf8')): string[] {
  const hex = /^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1];
  if (!hex) return DOCKER_DEFAULT_CAPS;
  const bnd = BigInt(`0x${hex}`);
  return DOCKER_DEFAULT_CAPS.filter((c) => (bnd >> BigInt(CAP_NUMBER[c] ?? 63)) & 1n);
}

/** The runtime spec's defaults (runc spec). */
const MASKED = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];
const READ_ONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface OverlayLayer {
  /** The real directory (lower layer) and where it appears. */
  dir: string;
  upper: string;
  work: string;
}

export interface OciSpec {
  rootfs: string;
  overlays: readonly OverlayLayer[];
  /** Host mounts outside the overlays, bound read-only one by one (runc's ro bind does not reach submounts). */
  readOnlyMounts: readonly string[];
  /** Kernel filesystems outside their places: covered by an empty read-only tmpfs. */
  coveredMounts: readonly string[];
  /** Files shown in place of secret ones, read-only: [where, what] (a shadow file without its hashes). */
  standIns?: ReadonlyArray<[string, string]>;
  /** Top-level symlinks of / (bin → usr/bin), made in the rootfs. */
  args: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  uid: number;
  gid: number;
  groups: readonly number[];
  secrets: SecretFileContext;
  memoryBytes: number;
  pids: number;
  /** Size of /dev/shm, /run and (when not overlaid) /tmp. */
  tmpBytes: number;
  hostname: string;
  cgroupsPath: string;
  /** Whether runc may make cgroups here (limits on memory and processes); without, the caller bounds the upper layers. */
  cgroups: boolean;
  /** Mount the overlays `volatile` (see `volatileOverlays`). */
  volatile?: boolean;
  /**
   * Without cgroups: RLIMIT_NPROC for the command's user (and root inside, unless it is the host's root, whom the
   * kernel exempts), already counting that user's processes outside the preview; see `nprocLimit`.
   */
  nproc?: number;
  /**
   * In a user namespace (an nspawn machine): overlayfs keeps its own attributes as user.overlay.* (`userxattr`), as
   * trusted.* needs the first namespace's root; without it, removing a folder that exists below fails (EIO).
   */
  userxattr?: boolean;
}

/** Whether this process runs in a user namespace other than the first (an nspawn machine with PrivateUsers). */
export function inUserNamespace(uidMap?: string): boolean {
  let map = uidMap;
  if (map === undefined) {
    try {
      map = fs.readFileSync('/proc/self/uid_map', 'utf8');
    } catch {
      return false;
    }
  }
  return !/^\s*0\s+0\s+4294967295\s*$/.test(map);
}

type Mount = { destination: string; type: string; source: string; options?: string[] };

export function ociConfig(s: OciSpec): object {
  const size = `size=${s.tmpBytes}`;
  const mounts: Mount[] = [];
  type Entry = { dir: string; mount: Mount };
  const entries: Entry[] = [
    // Not nosuid: sudo in the preview works as it would for real (within Docker's capabilities).
    // rbind: in a user namespace (an nspawn machine) a bind that would uncover what lies beneath a locked submount is refused;
    // runc makes only the top read-only, and each submount comes again, read-only, from its own entry.
    ...s.readOnlyMounts.map((dir) => ({ dir, mount: { destination: dir, type: 'bind', source: dir, options: ['rbind', 'ro', 'nodev'] } })),
    ...s.overlays.map((o) => ({
      dir: o.dir,
      mount: {
        destination: o.dir,
        type: 'overlay',
        source: 'overlay',
        options: [
          `lowerdir=${o.dir}`,
          `upperdir=${o.upper}`,
          `workdir=${o.work}`,
          ...(s.volatile ? ['volatile'] : []),
          ...(s.userxattr ? ['userxattr'] : []),
        ],
      },
    })),
    ...s.coveredMounts.map((dir) => ({
      dir,
      mount: { destination: dir, type: 'tmpfs', source: 'tmpfs', options: ['ro', 'nosuid', 'nodev', 'noexec', 'size=4k'] },
    })),
  ];
  // A private /tmp unless it is overlaid, made before anything mounted beneath it (a working tree in /tmp).
  if (!s.overlays.some((o) => o.dir === '/tmp'))
    entries.push({
      dir: '/tmp',
      mount: { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', size] },
    });
  // Parents before children, so a mount beneath one lands on it, not under it.
  entries.sort((a, b) => a.dir.split('/').length - b.dir.split('/').length || a.dir.localeCompare(b.dir));
  for (const e of entries) mounts.push(e.mount);
  // Services are out of reach: an empty /run (and no unix sockets anyway, by the filter).
  mounts.push({ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755', size] });
  mounts.push(
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', size] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  );
  for (const [dest, source] of s.standIns ?? [])
    mounts.push({ destination: dest, type: 'bind', source, options: ['bind', 'ro', 'nodev', 'nosuid'] });
  const standing = new Set((s.standIns ?? []).map(([d]) => d));
  const masked = [...MASKED];
  for (const f of secretFiles(s.secrets)) {
    try {
      if (!standing.has(f.path) && !fs.lstatSync(f.path).isSymbolicLink()) masked.push(f.path);
    } catch {
      // Not there: nothing to mask.
    }
  }
  const root = s.uid === 0;
  const bounding = availableCaps();
  const caps = root ? bounding : [];
  // No network namespace here: the caller starts runc in an empty one (runc would bring up its loopback, which needs
  // CAP_NET_ADMIN, which an nspawn machine without a private network does not have).
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: s.uid, gid: s.gid, additionalGids: [...s.groups] },
      args: [...s.args],
      env: Object.entries(s.env)
        .filter((e): e is [string, string] => e[1] !== undefined && !e[0].includes('=') && !e[0].includes('\0') && !e[1].includes('\0'))
        .map(([k, v]) => `${k}=${v}`),
      cwd: s.cwd,
      // sudo inside may become root, within Docker's default set (the bounding set holds for it too).
      capabilities: { bounding, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: [
        { type: 'RLIMIT_NOFILE', hard: 4096, soft: 1024 },
        ...(!s.cgroups && s.nproc ? [{ type: 'RLIMIT_NPROC', hard: s.nproc, soft: s.nproc }] : []),
      ],
      noNewPrivileges: false,
    },
    root: { path: s.rootfs, readonly: true },
    hostname: s.hostname,
    mounts,
    linux: {
      namespaces,
      ...(s.cgroups
        ? {
            cgroupsPath: s.cgroupsPath,
            resources: {
              devices: [{ allow: false, access: 'rwm' }],
              memory: { limit: s.memoryBytes, swap: s.memoryBytes },
              pids: { limit: s.pids },
            },
          }
        : {}),
      maskedPaths: masked,
      readonlyPaths: READ_ONLY,
      seccomp: jailSeccompProfile({ caps: bounding, unixSockets: false }),
    },
  };
}

/**
 * Kernel filesystems no overlay can take as a lower layer, and which must not
 * show through anywhere but their own place: a stray /proc (a root file
 * system being built) shows the host's processes and their environments.
 * Where one is mounted outside /proc, /sys and /dev, the jail covers it with
 * an empty read-only tmpfs.
 */
export const KERNEL_FILESYSTEMS = new Set([
  'proc',
  'sysfs',
  'cgroup',
  'cgroup2',
  'devpts',
  'devtmpfs',
  'mqueue',
  'debugfs',
  'tracefs',
  'securityfs',
  'bpf',
  'fusectl',
  'configfs',
  'binfmt_misc',
  'pstore',
  'autofs',
  'nsfs',
  'efivarfs',
  'hugetlbfs',
  'rpc_pipefs',
]);

const SYSTEM_PLACES = ['/proc', '/sys', '/dev'];
const under = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);

/** Kernel filesystems mounted outside their own places (see KERNEL_FILESYSTEMS). */
export function strayKernelMounts(mounts: readonly HostMount[] = hostMounts()): string[] {
  return mounts.filter((m) => KERNEL_FILESYSTEMS.has(m.fstype) && !SYSTEM_PLACES.some((d) => under(m.dir, d))).map((m) => m.dir);
}

export interface HostMount {
  dir: string;
  fstype: string;
}

/** The host's mounts (last one wins where several share a path), from mountinfo. */
export function hostMounts(mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')): HostMount[] {
  const byDir = new Map<string, HostMount>();
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f.length < 10 || dash < 0) continue;
    const dir = (f[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    byDir.delete(dir);
    byDir.set(dir, { dir, fstype: f[dash + 1] ?? '' });
  }
  return [...byDir.values()];
}

/**
 * RLIMIT_NPROC counts every process of a user (in its user namespace), not
 * just the preview's: the preview's process limit is what that user runs
 * already plus `pids`. Read from /proc (a folder's owner is its process's).
 */
export function nprocLimit(uid: number, pids: number): number {
  let mine = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.statSync(`/proc/${name}`).uid === uid) mine++;
    } catch {
      // Gone meanwhile.
    }
  }
  return mine + pids;
}

/** Top-level symlinks of / to recreate in the rootfs (Debian's merged /usr: bin, lib, sbin…). */
export function topLevelLinks(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of fs.readdirSync('/')) {
    try {
      const st = fs.lstatSync(path.join('/', name));
      if (st.isSymbolicLink()) out.push([name, fs.readlinkSync(path.join('/', name))]);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}
