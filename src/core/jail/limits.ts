import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The quiet path's limits on memory, processes and time (bubblewrap has no
 * cgroups of its own). Where aios may make cgroups (root, or a delegated
 * tree), each command gets a child cgroup with a memory limit (tmpfs pages
 * written inside count against it) and a process limit; aios steps into it
 * just while it starts bubblewrap (a child is born in its parent's cgroup,
 * the way CLONE_INTO_CGROUP would place it), so nothing of the command ever
 * runs outside it, at no extra process's cost. Otherwise
 * rlimits set inside the jail, hard and soft, bound each process's address
 * space, the processes of the jail's own user namespace, CPU time and file
 * size. CPU time and file size are rlimits in both cases.
 */
export interface JailLimits {
  /** The command's memory, all its processes together (cgroup), or each process's address space (rlimit). */
  memoryBytes: number;
  processes: number;
  /** CPU time of each process. */
  cpuSeconds: number;
  /** The largest file a process may write. */
  fileBytes: number;
}

export const QUIET_LIMITS: JailLimits = { memoryBytes: 4 * 1024 ** 3, processes: 512, cpuSeconds: 3600, fileBytes: 16 * 1024 ** 3 };

/** One controller's place: where this process's cgroup lies in the hierarchy that has it. */
interface Hierarchy {
  controller: 'memory' | 'pids';
  /** Where the commands' cgroups are made. */
  dir: string;
  v2: boolean;
}

const PREFIX = 'aios-jail-';

/** Where the memory and pids controllers are (cgroup v1 hierarchies, or the unified v2 tree), from this process's view. */
export function hierarchies(cgroupFile = '/proc/self/cgroup', mountinfo = '/proc/self/mountinfo'): Hierarchy[] | undefined {
  let own: string, mounts: string;
  try {
    own = fs.readFileSync(cgroupFile, 'utf8');
    mounts = fs.readFileSync(mountinfo, 'utf8');
  } catch {
    return undefined;
  }
  const out: Hierarchy[] = [];
  const mountOf = (v2: boolean, controller: string) => {
    for (const line of mounts.split('\n')) {
      const f = line.split(' ');
      const dash = f.indexOf('-');
      if (dash < 0) continue;
      const type = f[dash + 1];
      if (v2 ? type !== 'cgroup2' : type !== 'cgroup' || !(f[dash + 3] ?? '').split(',').includes(controller)) continue;
      return { root: f[3] ?? '/', point: f[4] ?? '' };
    }
    return undefined;
  };
  const place = (v2: boolean, controller: string, cgPath: string): string | undefined => {
    const m = mountOf(v2, controller);
    if (!m) return undefined;
    const rel = m.root === '/' ? cgPath : cgPath.startsWith(m.root) ? cgPath.slice(m.root.length) : undefined;
    return rel === undefined ? undefined : path.join(m.point, rel).replace(/(.)\/+$/, '$1');
  };
  for (const controller of ['memory', 'pids'] as const) {
    const v1 = own.split('\n').find((l) => (l.split(':')[1] ?? '').split(',').includes(controller));
    if (v1) {
      const dir = place(false, controller, v1.split(':').slice(2).join(':'));
      if (dir) out.push({ controller, dir, v2: false });
      continue;
    }
    const unified = own.split('\n').find((l) => l.startsWith('0::'));
    const home = unified ? place(true, controller, unified.slice(3)) : undefined;
    // In v2 a child has the controller only when its parent hands it down. aios's own cgroup holds processes, so it
    // usually cannot (no internal processes); the hierarchy's root can, where aios may write there (root).
    const handsDown = (d: string) => read(path.join(d, 'cgroup.subtree_control')).split(' ').includes(controller);
    const top = mountOf(true, controller)?.point;
    const dir = home && handsDown(home) ? home : top && handsDown(top) ? top : undefined;
    if (home && dir) out.push({ controller, dir, v2: true });
  }
  return out.length === 2 ? out : undefined;
}

const read = (f: string) => {
  try {
    return fs.readFileSync(f, 'utf8').trim();
  } catch {
    return '';
  }
};

/** A command's cgroup: the command joins it through `joinFiles` as it starts, `release` removes it once the command is done. */
export interface CommandCgroup {
  /** The file per hierarchy through which the command joins its cgroup before it starts (`joinCgroupsArgv`). */
  joinFiles: readonly string[];
  release(): void;
}

/**
 * argv that joins the command's cgroups and then becomes `argv`: a single-threaded shell moves itself (it writes
 * 0, "the writer", to each join file) and execs the command, so the command is born inside, and a failure to join
 * ends it before anything runs (exit 125, saying why). Cgroup v1's `tasks` with 0 moves only the writing thread,
 * which the kernel does without its global lock (no RCU grace period per write); moving aios itself in and out
 * instead cost four such waits per command, for a many-threaded process, on aios's event loop.
 */
export function joinCgroupsArgv(joinFiles: readonly string[], argv: readonly string[]): { file: string; args: string[] } {
  const script =
    'while [ "$1" != -- ]; do echo 0 > "$1" || { echo "aios: the command\'s cgroup cannot be joined ($1)" >&2; exit 125; }; shift; done; shift; exec "$@"';
  return { file: '/bin/sh', args: ['-c', script, 'aios-join', ...joinFiles, '--', ...argv] };
}

let counter = 0;
let usable: Hierarchy[] | null | undefined;

/** Made for one command, with the limits written; undefined when this process may not make cgroups here. */
export function commandCgroup(limits: JailLimits): CommandCgroup | undefined {
  if (usable === undefined) {
    usable = hierarchies() ?? null;
    if (usable) sweepCgroups(usable);
    // Tried once for real: a read-only cgroupfs (a container) or a tree not ours says no here.
    if (usable && !tryMake(usable, limits, 'probe')) usable = null;
  }
  if (!usable) return undefined;
  return tryMake(usable, limits, String(++counter));
}

function tryMake(hs: Hierarchy[], limits: JailLimits, tag: string): CommandCgroup | undefined {
  const dirs: string[] = [];
  const release = () => {
    for (const d of dirs) removeCgroup(d);
  };
  try {
    for (const h of hs) {
      const dir = path.join(h.dir, `${PREFIX}${process.pid}-${tag}`);
      fs.mkdirSync(dir);
      dirs.push(dir);
      const mem = String(limits.memoryBytes);
      if (h.controller === 'pids') fs.writeFileSync(path.join(dir, 'pids.max'), String(limits.processes));
      else if (h.v2) {
        fs.writeFileSync(path.join(dir, 'memory.max'), mem);
        if (fs.existsSync(path.join(dir, 'memory.swap.max'))) fs.writeFileSync(path.join(dir, 'memory.swap.max'), '0');
      } else {
        fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), mem);
        // With swap accounting, swap counts too (it must not be below the memory limit).
        if (fs.existsSync(path.join(dir, 'memory.memsw.limit_in_bytes')))
          fs.writeFileSync(path.join(dir, 'memory.memsw.limit_in_bytes'), mem);
      }
    }
  } catch {
    release();
    return undefined;
  }
  // v2 has no per-thread file outside threaded subtrees: cgroup.procs there.
  const joinFiles = hs.map((h, i) => path.join(dirs[i]!, h.v2 ? 'cgroup.procs' : 'tasks'));
  if (tag === 'probe') {
    // Joined the way every command will join (a delegated tree may not let it), then emptied and removed.
    const join = joinCgroupsArgv(joinFiles, ['/bin/true']);
    const ok = spawnSync(join.file, join.args, { stdio: 'ignore', timeout: 10_000 }).status === 0;
    release();
    return ok ? { joinFiles: [], release: () => undefined } : undefined;
  }
  return { joinFiles, release };
}

/** rmdir, once its processes are gone (they may still be exiting): tried again a few times, then left for the next start's sweep. */
function removeCgroup(dir: string, tries = 5): void {
  try {
    fs.rmdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EBUSY' && tries > 0) setTimeout(() => removeCgroup(dir, tries - 1), 200).unref();
  }
}

/** Cgroups of quiet commands whose aios is gone (killed): removed when empty. */
function sweepCgroups(hs: Hierarchy[]): void {
  for (const h of hs) {
    let names: string[];
    try {
      names = fs.readdirSync(h.dir).filter((n) => n.startsWith(PREFIX));
    } catch {
      continue;
    }
    for (const n of names) {
      const pid = Number(n.slice(PREFIX.length).split('-')[0]);
      if (pid === process.pid || alive(pid)) continue;
      try {
        fs.rmdirSync(path.join(h.dir, n));
      } catch {
        // Still busy: a later start tries again.
      }
    }
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * bash's `ulimit` line run inside the jail before the command: hard and soft
 * (without -H/-S bash sets both), so the command cannot raise them (it has
 * no capabilities). With a cgroup, memory and processes are the cgroup's.
 */
export function ulimitLine(limits: JailLimits, cgroup: boolean): string {
  const kib = (b: number) => Math.max(1, Math.floor(b / 1024));
  const opts = [`-t ${limits.cpuSeconds}`, `-f ${kib(limits.fileBytes)}`];
  // RLIMIT_NPROC counts the processes of the jail's own user namespace; root's are exempt from it (the cgroup holds them).
  if (!cgroup) opts.push(`-v ${kib(limits.memoryBytes)}`, `-u ${limits.processes}`);
  return `ulimit ${opts.join(' ')} || exit 125`;
}
