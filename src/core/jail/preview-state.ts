import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { prepareLayers } from './layer-pool';
import type { OverlayRun, OverlayTarget } from './preview';

/** A preview's state directory: where it lives, what is read from it, and how it goes away (even after a killed aios). */

export const STATE_PREFIX = 'aios-preview-';

export function defaultStateBase(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

/** Runs `argv` as root: directly, or through `sudo -n` when aios is not root. */
export function asRoot(elevated: boolean, argv: string[]) {
  return elevated
    ? spawnSync('sudo', ['-n', '--', ...argv], { encoding: 'utf8', timeout: 10_000 })
    : spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
}

/**
 * The stand-in for /etc/shadow (sudo inside checks the account): every hash
 * replaced by "*", mode 600. As root it is written here; through sudo, by sed.
 */
export function writeMaskedShadow(dest: string, elevated: boolean, shadow = '/etc/shadow'): boolean {
  if (elevated)
    return (
      asRoot(true, ['sh', '-c', 'sed -E "s/^([^:]*):[^:]*:/\\1:*:/" "$2" > "$1" && chmod 600 "$1"', 'aios-preview', dest, shadow])
        .status === 0
    );
  try {
    fs.writeFileSync(dest, fs.readFileSync(shadow, 'latin1').replace(/^([^:\n]*):[^:\n]*:/gm, '$1:*:'), {
      mode: 0o600,
      encoding: 'latin1',
    });
    fs.chmodSync(dest, 0o600);
    return true;
  } catch {
    return false;
  }
}

let volatileWorks: boolean | undefined;
/**
 * Whether overlayfs takes the `volatile` option here (Linux 5.10 and later;
 * a machine may still refuse it), tried once for real: an overlay mounted in
 * a mount namespace of its own, in `dir` (a run's state directory, removed
 * with it).
 */
export function volatileOverlaysWork(dir: string, elevated: boolean): boolean {
  if (volatileWorks !== undefined) return volatileWorks;
  const probe = path.join(dir, 'volatile-probe');
  for (const d of ['lower', 'upper', 'work', 'merged']) fs.mkdirSync(path.join(probe, d), { recursive: true });
  const options = `lowerdir=${probe}/lower,upperdir=${probe}/upper,workdir=${probe}/work,volatile`;
  volatileWorks =
    asRoot(elevated, ['unshare', '--mount', '--', 'mount', '-t', 'overlay', '-o', options, 'aios-probe', `${probe}/merged`]).status === 0;
  return volatileWorks;
}

const nestedTrapped = new Map<string, boolean>();
/**
 * Whether overlayfs here mounts an overlay whose upper and work layers lie
 * inside its own lower layer, and then refuses every lookup of them through
 * the overlay ("overlapping layers", ELOOP: Linux 5.2 and later). Then a
 * transaction need not split a folder around its state folder (which holds
 * the layers) into an overlay per child: the folder is overlaid whole and the
 * state folder covered in the jail, as it is anyway. Tried once for real per
 * place, as root, in a folder in `base` removed again (a killed aios's is
 * swept: it is named as a run's state folder).
 */
export function nestedLayersTrapped(base: string): boolean {
  const known = nestedTrapped.get(base);
  if (known !== undefined) return known;
  if (process.getuid?.() !== 0) return false;
  let probe: string;
  try {
    probe = fs.mkdtempSync(path.join(base, `${STATE_PREFIX}${process.pid}-`));
  } catch {
    // No such place yet: asked again once there is.
    return false;
  }
  try {
    for (const d of ['lower/seen', 'lower/layers/upper', 'lower/layers/work', 'merged'])
      fs.mkdirSync(path.join(probe, d), { recursive: true });
    // Mounted; the lower layer seen through it; its own layers not.
    const check = [
      'mount -t overlay -o "lowerdir=$1/lower,upperdir=$1/lower/layers/upper,workdir=$1/lower/layers/work" aios-probe "$1/merged" || exit 1',
      '[ -d "$1/merged/seen" ] && [ -d "$1/merged/layers" ] || exit 2',
      'ls "$1/merged/layers/upper" >/dev/null 2>&1 && exit 3',
      'ls "$1/merged/layers/work" >/dev/null 2>&1 && exit 4',
      'exit 0',
    ].join('\n');
    nestedTrapped.set(base, asRoot(false, ['unshare', '--mount', '--', 'sh', '-c', check, 'aios-probe', probe]).status === 0);
  } catch {
    nestedTrapped.set(base, false);
  } finally {
    removeState(probe, false);
  }
  return nestedTrapped.get(base) ?? false;
}

/** State directories of previews whose aios is gone (killed mid-preview): removed, through sudo when they hold root's files. */
export function sweepStale(base: string, sudo: boolean): void {
  sweepStaleCgroups(sudo);
  let names: string[];
  try {
    names = fs.readdirSync(base).filter((n) => n.startsWith(STATE_PREFIX));
  } catch {
    return;
  }
  for (const n of names) {
    const pid = Number(n.slice(STATE_PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPERM') continue;
    }
    const dir = path.join(base, n);
    // Its scratch tmpfs, where it had one (no cgroups): unmounted first, so nothing stays in memory.
    if (fs.statSync(dir, { throwIfNoEntry: false })?.dev !== fs.statSync(base).dev) asRoot(sudo, ['umount', '--lazy', dir]);
    removeState(dir, sudo);
  }
}

const ownerGone = (name: string) => {
  const pid = Number(name.slice(STATE_PREFIX.length).split('-')[0]);
  if (!Number.isInteger(pid) || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'EPERM';
  }
};

/** Cgroups runc made for previews whose aios was killed mid-preview (runc never deleted them): removed once empty. */
function sweepStaleCgroups(sudo: boolean): void {
  const stale: string[] = [];
  let hierarchies: string[];
  try {
    hierarchies = ['/sys/fs/cgroup', ...fs.readdirSync('/sys/fs/cgroup').map((n) => path.join('/sys/fs/cgroup', n))];
  } catch {
    return;
  }
  for (const h of hierarchies) {
    try {
      for (const n of fs.readdirSync(h)) if (n.startsWith(STATE_PREFIX) && ownerGone(n)) stale.push(path.join(h, n));
    } catch {
      // Not a folder, or not ours to read.
    }
  }
  if (stale.length === 0) return;
  // rmdir refuses a cgroup that still has processes: those stay.
  if (sudo) {
    spawnSync('sudo', ['-n', '--', 'rmdir', '--', ...stale], { stdio: 'ignore', timeout: 10_000 });
    return;
  }
  for (const d of stale) {
    try {
      fs.rmdirSync(d);
    } catch {
      // Busy or not ours: a later start tries again.
    }
  }
}

export function removeState(dir: string, sudo: boolean): void {
  if (sudo) spawnSync('sudo', ['-n', '--', 'rm', '-rf', '--', dir], { stdio: 'ignore' });
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Directories the command removed and made again are opaque in the upper
 * layer (an xattr): their old contents are gone. Only directories that also
 * exist below are asked about, all in one getfattr.
 */
export function opaqueDirs(targets: readonly OverlayTarget[], elevated: boolean): Map<string, Set<string>> {
  const candidates: Array<{ upper: string; rel: string }> = [];
  const walk = (t: OverlayTarget, rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(t.upper, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (fs.existsSync(path.join(t.dir, r))) candidates.push({ upper: t.upper, rel: r });
      walk(t, r);
    }
  };
  for (const t of targets) walk(t, '');
  const out = new Map<string, Set<string>>();
  if (candidates.length === 0) return out;
  const files = candidates.map((c) => path.join(c.upper, c.rel));
  // trusted.* on the host; user.* where overlayfs was mounted with userxattr (in a user namespace).
  const argv = ['getfattr', '--absolute-names', '-d', '-m', '^(trusted|user)\\.overlay\\.opaque$', '--', ...files];
  const r = elevated
    ? spawnSync('sudo', ['-n', '--', ...argv], { encoding: 'utf8' })
    : spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  const opaqueFiles = new Set<string>();
  let current = '';
  for (const line of (r.stdout ?? '').split('\n')) {
    if (line.startsWith('# file: ')) current = line.slice(8);
    else if (/^(trusted|user)\.overlay\.opaque="y"/.test(line)) opaqueFiles.add(current);
  }
  for (const c of candidates) {
    if (!opaqueFiles.has(path.join(c.upper, c.rel))) continue;
    const set = out.get(c.upper) ?? new Set<string>();
    set.add(c.rel);
    out.set(c.upper, set);
  }
  return out;
}

/** Removes a run's state directory (work dirs of overlayfs may be mode 000: make them writable first). */
export function removeRun(run: OverlayRun): void {
  const chmodAll = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      fs.chmodSync(dir, 0o700);
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) chmodAll(path.join(dir, e.name));
  };
  // Its scratch tmpfs, where it has one (also when the run stopped before saying so).
  if (run.scratchMounted || isMountPoint(run.stateDir))
    asRoot(run.elevated || process.getuid?.() !== 0, ['umount', '--lazy', run.stateDir]);
  if (run.elevated) removeState(run.stateDir, true);
  for (const dir of runFolders(run)) {
    chmodAll(dir);
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Left for the next start's sweep: a preview's answer does not depend on its cleanup.
    }
  }
}

/** A run's folders on the host: its layers' and, where apart (on tmpfs), its container's. */
const runFolders = (run: OverlayRun) => (run.runDir && run.runDir !== run.stateDir ? [run.stateDir, run.runDir] : [run.stateDir]);

const removing = new Set<Promise<void>>();

/**
 * removeRun without holding the event loop: the same steps, each handed to
 * libuv's threads (tens of ms for a transaction's upper layers under other
 * disk traffic, during which aios would answer nothing); then, for a run with
 * its layers on disk, the next run's layer folders made ahead (layer-pool.ts).
 * Never rejects: what is left, the next start's sweep removes.
 * spentRunsRemoved() waits for the ones still going.
 */
export function removeRunLater(run: OverlayRun): Promise<void> {
  const done: Promise<void> = removeRunAsync(run)
    .catch(() => undefined)
    .finally(() => removing.delete(done));
  removing.add(done);
  return done;
}

/** Resolves once every removal removeRunLater started (including any started meanwhile) has finished. */
export async function spentRunsRemoved(): Promise<void> {
  while (removing.size > 0) await Promise.allSettled([...removing]);
}

const execFileAsync = promisify(execFile);

async function removeRunAsync(run: OverlayRun): Promise<void> {
  // What comes after (the answer) goes first.
  await new Promise((resolve) => setImmediate(resolve));
  const root = async (argv: string[]) => {
    const sudo = run.elevated || process.getuid?.() !== 0;
    await (
      sudo
        ? execFileAsync('sudo', ['-n', '--', ...argv], { timeout: 10_000 })
        : execFileAsync(argv[0] as string, argv.slice(1), { timeout: 10_000 })
    ).catch(() => undefined);
  };
  if (run.scratchMounted || isMountPoint(run.stateDir)) await root(['umount', '--lazy', run.stateDir]);
  if (run.elevated) await root(['rm', '-rf', '--', run.stateDir]);
  const chmodAll = async (dir: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      await fs.promises.chmod(dir, 0o700);
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => chmodAll(path.join(dir, e.name))));
  };
  for (const dir of runFolders(run)) {
    await chmodAll(dir);
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
  // Layers on disk (a transaction's): the next run's layer folders are made now, after this answer, off its path.
  if (run.runDir && run.runDir !== run.stateDir && !run.elevated)
    await prepareLayers(path.dirname(run.stateDir), `${STATE_PREFIX}${process.pid}-`, run.targets.length);
}

function isMountPoint(dir: string): boolean {
  try {
    return fs.statSync(dir).dev !== fs.statSync(path.dirname(dir)).dev;
  } catch {
    return false;
  }
}
