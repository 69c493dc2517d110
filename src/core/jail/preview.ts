import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { SecretFileContext } from '../environment/secret-files';
import { LIFELINE_INIT } from './approved';
import { asRoot, defaultStateBase, opaqueDirs, removeRun, STATE_PREFIX, volatileOverlaysWork, writeMaskedShadow } from './preview-state';
import { chooseTargets, planMounts } from './overlay-plan';
import { hostMounts, inUserNamespace, nprocLimit, ociConfig, topLevelLinks, type OverlayLayer } from './oci';
import { mountFailure, ociRuntime, runtimeArgv, runtimeError, type OciRuntime } from './oci-runtime';
import { runtimeNamespace } from './runtime-namespace';

/**
 * Runs a command once in a throwaway view of the filesystem, in the jail's
 * OCI form under runc: each target directory (and each mount beneath one) is
 * an overlay whose upper layer lives in a private state directory on tmpfs;
 * every other mount is bound read-only; no network; limits on memory (upper
 * layers included), processes and time. The real system is never written:
 * what the command changed is left in the upper layers for upper-diff.ts.
 * It fails closed: when a target cannot be overlaid, nothing runs.
 */

export interface OverlayRunOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Directories to overlay besides the cwd. Missing ones and ones inside another target on the same filesystem are skipped. */
  paths: readonly string[];
  timeoutMs: number;
  /** Let the command reach the network (off by default: a preview must not act on the world). */
  network?: boolean;
  shell?: string;
  /** Not root: start runc through passwordless `sudo -n` (the only way to a preview then). */
  sudo?: boolean;
  /** Where the state directory is made; /dev/shm by default (tmpfs: its pages count against the preview's memory limit). */
  stateBase?: string;
  /** Whose secret files are masked. */
  secrets?: SecretFileContext;
  memoryBytes?: number;
  signal?: AbortSignal;
  /**
   * Keep the upper layers in `stateBase` on disk even without cgroups (a transaction's, committed by a rename), not on a
   * sized tmpfs. They are mounted `volatile` where the kernel allows: nothing syncs them, the caller syncs what it keeps.
   */
  scratchOnDisk?: boolean;
  /** The upper layers get a tmpfs of the memory limit's size even with cgroups: `stateBase` is on disk, where cgroups do not bound them. */
  sizedScratch?: boolean;
  /** Folders covered by an empty read-only tmpfs in the jail (the undo records: copies of what commands changed). */
  hide?: readonly string[];
  /** Called right before the command is started (each time, should the view be made again). */
  beforeStart?: () => void;
  /** Each piece of output as it comes (a transaction's live output); the state folder's files get it too. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** `paths` are all the folders to overlay: the cwd is not added (a transaction's list already covers it, split around what it must avoid). */
  exactTargets?: boolean;
  /** Whom the command runs as, when aios runs this as root for another user (the transaction's root helper); else aios's own user. */
  runAs?: { uid: number; gid: number; groups: readonly number[] };
}

export interface OverlayTarget {
  /** The real directory. */
  dir: string;
  /** Its upper layer in the state directory. */
  upper: string;
  /** Kept for upper-diff: merged listings written by the old helper (none now; see `opaque`). */
  listings: string;
  /** Directories (relative) the command deleted and made again: their lower contents are gone. */
  opaque?: Set<string>;
}

export interface OverlayRun {
  stateDir: string;
  /** Set up through sudo: its upper layers hold root's files, so removing them needs sudo too. */
  elevated: boolean;
  /** The state directory is a tmpfs of its own (no cgroups here), unmounted when the run is removed. */
  scratchMounted?: boolean;
  targets: OverlayTarget[];
  /** Null when it timed out or did not start. */
  exitCode: number | null;
  timedOut: boolean;
  /** The jail could not be made: nothing ran. */
  setupError: string | null;
  /** Mounts beneath a target that overlayfs refused: read-only in the preview instead, each as "DIR (why)". */
  unmounted: string[];
  /** Mounts beneath the targets, overlaid on their own. */
  submounts: string[];
  writable: string[];
  stdout: string;
  stderr: string;
  durationMs: number;
}

export const DEFAULT_PREVIEW_MEMORY = 512 * 1024 * 1024;
const PIDS = 512;
const TMP_BYTES = 64 * 1024 * 1024;
export { defaultStateBase, removeRun, removeRunLater, spentRunsRemoved, sweepStale } from './preview-state';
export { chooseTargets, planMounts } from './overlay-plan';

export class PreviewRefused extends Error {}

const read = (file: string): string => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

let cgroupsUsable: boolean | undefined;
/**
 * Whether runc can make the preview's cgroups here (root of the machine, not
 * of a user namespace such as an nspawn machine with PrivateUsers): then the
 * memory limit also bounds the upper layers; otherwise a sized tmpfs does.
 */
function cgroupsWritable(elevated: boolean): boolean {
  if (cgroupsUsable !== undefined) return cgroupsUsable;
  // runc makes one in every hierarchy (cgroup v1) or in the unified tree: each must take a new folder.
  const probe = [
    'sh',
    '-c',
    'n=aios-probe-$$; ok=; for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do [ -f "$d/cgroup.procs" ] || continue; [ "$d" = /sys/fs/cgroup/ ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ] && continue; mkdir "$d$n" 2>/dev/null && rmdir "$d$n" || exit 1; ok=1; done; [ -n "$ok" ]',
  ];
  const r = elevated
    ? spawnSync('sudo', ['-n', '--', ...probe], { stdio: 'ignore', timeout: 5000 })
    : spawnSync(probe[0] as string, probe.slice(1), { stdio: 'ignore', timeout: 5000 });
  cgroupsUsable = r.status === 0;
  return cgroupsUsable;
}

/**
 * One run; when runc could not make the view and the host's mounts changed
 * meanwhile (another program mounting or unmounting), one more try on the
 * new mounts. Still failing closed: a second failure is the answer.
 */
export async function runInOverlay(o: OverlayRunOptions): Promise<OverlayRun> {
  const readOnly: string[] = [];
  const before = mountTable();
  let run = await runOnce(o, readOnly);
  // A folder overlayfs refuses (in a machine's user namespace, one with files bound beneath it, as nspawn does
  // in /etc): read-only instead, which leaves no hole (writes there fail in the preview, and the summary says so).
  const cover: string[] = [];
  for (let i = 0; i < 6 && run.setupError; i++) {
    const failed = mountFailure(run.setupError);
    const dir = failed?.source === 'overlay' && path.isAbsolute(failed.target) ? failed.target : undefined;
    const sameSpot = failed && failed.source === failed.target && path.isAbsolute(failed.source) ? failed.source : undefined;
    // A mount the machine locked (nspawn's /etc/localtime) cannot be bound read-only again with other flags: covered instead.
    const locked = sameSpot && /operation not permitted/i.test(failed?.reason ?? '') ? sameSpot : undefined;
    // A folder or mount gone between the plan and the runtime's start (another program's scratch space): the next try plans
    // without it.
    const vanished = sameSpot && /no such file or directory/i.test(failed?.reason ?? '') ? sameSpot : undefined;
    const changed = mountTable() !== before || (!!vanished && !fs.existsSync(vanished));
    if (!changed && locked && !cover.includes(locked)) cover.push(locked);
    else if (!changed && (!dir || !run.targets.some((t) => t.dir === dir) || readOnly.includes(dir))) break;
    else if (dir && !changed) readOnly.push(dir);
    removeRun(run);
    run = await runOnce(o, readOnly, cover);
  }
  return run;
}

/** The host's mounts, less the previews' own scratch space. */
const mountTable = () =>
  hostMounts()
    .filter((m) => !path.basename(m.dir).startsWith(STATE_PREFIX))
    .map((m) => `${m.dir} ${m.fstype}`)
    .join('\n');

async function runOnce(o: OverlayRunOptions, readOnlyInstead: readonly string[], cover: readonly string[] = []): Promise<OverlayRun> {
  const t0 = performance.now();
  const base = o.stateBase ?? defaultStateBase();
  const stateDir = fs.mkdtempSync(path.join(base, `${STATE_PREFIX}${process.pid}-`));
  const uid = process.getuid?.() ?? 0;
  const elevated = uid !== 0;
  const user = o.runAs ?? { uid, gid: process.getgid?.() ?? uid, groups: process.getgroups?.() ?? [] };
  const empty = (setupError: string): OverlayRun => ({
    stateDir,
    elevated: false,
    targets: [],
    submounts: [],
    exitCode: null,
    timedOut: false,
    setupError,
    unmounted: [],
    writable: [],
    stdout: '',
    stderr: '',
    durationMs: performance.now() - t0,
  });
  if (elevated && !o.sudo) return empty('the preview needs root or passwordless sudo to start its container (runc or crun)');
  let rt: OciRuntime | null;
  try {
    rt = ociRuntime();
  } catch (err) {
    return empty((err as Error).message);
  }
  if (!rt) return empty('no OCI runtime to start the jail: install crun or runc');
  const cgroups = cgroupsWritable(elevated);
  const sized = (!cgroups || !!o.sizedScratch) && !o.scratchOnDisk;
  if (sized) {
    // No cgroup to count the upper layers against: they get a tmpfs of the memory limit's size.
    const m = asRoot(elevated, [
      'mount',
      '-t',
      'tmpfs',
      '-o',
      `size=${o.memoryBytes ?? DEFAULT_PREVIEW_MEMORY},mode=700`,
      'aios-preview',
      stateDir,
    ]);
    if (m.status !== 0) return empty(`the preview's scratch space cannot be made (${(m.stderr || m.error?.message || '').trim()})`);
    if (elevated) asRoot(true, ['chown', `${uid}:${process.getgid?.() ?? uid}`, stateDir]);
  }
  const dirs = chooseTargets(o.exactTargets ? null : o.cwd, o.paths, stateDir);
  let plan: ReturnType<typeof planMounts> & { submounts?: string[] };
  try {
    plan = planMounts(dirs, stateDir);
    const submounts = plan.overlays.filter((d) => !dirs.includes(d));
    plan = {
      ...plan,
      submounts,
      overlays: plan.overlays.filter((d) => !readOnlyInstead.includes(d)),
      readOnly: [...plan.readOnly, ...readOnlyInstead].filter((d) => !cover.includes(d)),
      covered: [
        ...plan.covered,
        ...cover.filter((d) => fs.statSync(d, { throwIfNoEntry: false })?.isDirectory()),
        // A folder to hide that this user may not even look at (root's undo records, seen through sudo) is covered all the same.
        ...(o.hide ?? []).filter((d) => isDirOrHidden(d)),
      ],
    };
  } catch (err) {
    if (err instanceof PreviewRefused) return empty(err.message);
    throw err;
  }
  const layers: OverlayLayer[] = [];
  const owners: string[] = [];
  const targets: OverlayTarget[] = [];
  for (const [i, dir] of plan.overlays.entries()) {
    const upper = path.join(stateDir, 'up', String(i));
    const work = path.join(stateDir, 'work', String(i));
    fs.mkdirSync(upper, { recursive: true });
    fs.mkdirSync(work, { recursive: true });
    // The overlay's root shows its upper folder's owner and mode: make them the real folder's.
    const st = fs.statSync(dir);
    fs.chmodSync(upper, st.mode & 0o7777);
    if (uid === 0) fs.chownSync(upper, st.uid, st.gid);
    else if (st.uid !== uid || st.gid !== (process.getgid?.() ?? uid)) owners.push(`${st.uid}:${st.gid}`, upper);
    layers.push({ dir, upper, work });
    targets.push({ dir, upper, listings: path.join(stateDir, 'lst', String(i)) });
  }
  // Through sudo: root's folders (/usr, /etc) get their owners in one call.
  if (owners.length > 0) asRoot(true, ['sh', '-c', 'while [ $# -gt 1 ]; do chown "$1" "$2"; shift 2; done', 'aios-preview', ...owners]);
  // Locked file mounts are covered by an empty file (read-only).
  const empty0 = path.join(stateDir, 'empty');
  fs.writeFileSync(empty0, '');
  const coverFiles = cover
    .filter((d) => !fs.statSync(d, { throwIfNoEntry: false })?.isDirectory())
    .map((d) => [d, empty0] as [string, string]);
  // sudo inside checks the account in /etc/shadow: it gets one with every hash replaced by "*" (the hashes stay masked).
  const shadow = path.join(stateDir, 'shadow');
  const madeShadow = writeMaskedShadow(shadow, elevated);
  const rootfs = path.join(stateDir, 'root');
  fs.mkdirSync(rootfs);
  for (const [name, to] of topLevelLinks()) fs.symlinkSync(to, path.join(rootfs, name));
  const bundle = path.join(stateDir, 'bundle');
  fs.mkdirSync(bundle);
  const id = path.basename(stateDir);
  const config = ociConfig({
    rootfs,
    overlays: layers,
    readOnlyMounts: plan.readOnly,
    coveredMounts: plan.covered,
    standIns: [...(madeShadow ? [['/etc/shadow', shadow] as [string, string]] : []), ...coverFiles],
    args: [o.shell ?? '/bin/bash', '-c', o.command],
    env: o.env,
    cwd: o.cwd,
    uid: user.uid,
    gid: user.gid,
    groups: user.groups,
    secrets: o.secrets ?? {},
    memoryBytes: o.memoryBytes ?? DEFAULT_PREVIEW_MEMORY,
    pids: PIDS,
    tmpBytes: TMP_BYTES,
    // The machine's own name, in a UTS namespace of the jail's own (sethostname inside changes nothing outside): sudo
    // and others look the name up, and a name of the jail's own is in no /etc/hosts ("unable to resolve host").
    hostname: os.hostname(),
    userxattr: inUserNamespace(),
    cgroupsPath: `/${id}`,
    cgroups,
    // Otherwise each overlay syncs the whole disk under its upper layer when it is unmounted (tens to hundreds of ms on a
    // busy one, per overlaid folder); a transaction's caller syncs what it keeps instead. Upper layers on tmpfs need neither.
    volatile: !!o.scratchOnDisk && volatileOverlaysWork(stateDir, elevated),
    ...(cgroups ? {} : { nproc: nprocLimit(user.uid, PIDS) }),
  });
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  const out = fs.openSync(path.join(stateDir, 'stdout'), 'w');
  const err = fs.openSync(path.join(stateDir, 'stderr'), 'w');
  const runtime = runtimeArgv(rt, stateDir);
  // The runtime's prelude done once, in a mount namespace kept for it (runtime-namespace.ts): entered, not made again.
  // Not with a scratch tmpfs of its own: mounted after the namespace was made, it is not in it.
  const kept = elevated || (!cgroups && !o.scratchOnDisk) ? null : await runtimeNamespace(rt.prelude);
  // The runtime under the same lifeline as every command: when aios goes, the preview goes (its container is a nested PID
  // namespace). Without network: the runtime and the container in an empty network namespace (its loopback down).
  const argv = [
    ...(kept === null ? [] : ['nsenter', '--mount=/proc/self/fd/3', '--']),
    'unshare',
    '--pid',
    '--fork',
    '--kill-child',
    ...(kept === null ? ['--mount-proc'] : []),
    ...(o.network ? [] : ['--net']),
    '--',
    '/bin/bash',
    '--norc',
    '--noprofile',
    '-c',
    rt.prelude && kept === null ? `${rt.prelude}\n${LIFELINE_INIT}` : LIFELINE_INIT,
    'aios-preview',
    ...runtime,
    'run',
    '--no-new-keyring',
    '--bundle',
    bundle,
    id,
  ];
  const full = elevated ? ['sudo', '-n', '--', ...argv] : argv;
  o.beforeStart?.();
  const { code, timedOut, spawnError } = await new Promise<{ code: number | null; timedOut: boolean; spawnError: string | null }>(
    (resolve) => {
      let timedOut = false;
      const live = o.onOutput;
      const child = spawn(full[0] as string, full.slice(1), {
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
        // The kept namespace's descriptor as fd 3 for nsenter; the lifeline's shell puts its own fd 3 in its place.
        stdio: ['pipe', live ? 'pipe' : out, live ? 'pipe' : err, ...(kept === null ? [] : [kept])],
        detached: true,
      });
      child.stdin?.on('error', () => undefined);
      if (live) {
        for (const [stream, fd, pipe] of [
          ['stdout', out, child.stdout],
          ['stderr', err, child.stderr],
        ] as const) {
          // A character split across two chunks is held until its end comes.
          const text = new StringDecoder('utf8');
          pipe?.on('data', (b: Buffer) => {
            fs.writeSync(fd, b);
            const s = text.write(b);
            if (s) live(s, stream);
          });
          pipe?.on('end', () => {
            const s = text.end();
            if (s) live(s, stream);
          });
        }
      }
      const stop = () => child.stdin?.destroy();
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, o.timeoutMs);
      o.signal?.addEventListener('abort', stop, { once: true });
      // Abandoned while the view was being made: the listener came too late to hear it.
      if (o.signal?.aborted) stop();
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ code: null, timedOut: false, spawnError: e.message });
      });
      child.on('close', (c) => {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', stop);
        resolve({ code: c, timedOut, spawnError: null });
      });
    },
  );
  fs.closeSync(out);
  fs.closeSync(err);
  if (timedOut || o.signal?.aborted) {
    // Killed, not finished: runc did not remove the container's cgroups.
    const del = [...runtime, 'delete', '--force', id];
    if (elevated) spawnSync('sudo', ['-n', '--', ...del], { stdio: 'ignore', timeout: 5000 });
    else spawnSync(del[0] as string, del.slice(1), { stdio: 'ignore', timeout: 5000 });
  }
  const setupError = spawnError ?? runtimeError(read(path.join(stateDir, 'oci.log')));
  // A transaction reads every upper attribute itself, opaque marks among them (transaction/effects.ts): no second getfattr.
  const opaque = o.scratchOnDisk ? new Map<string, Set<string>>() : opaqueDirs(targets, elevated);
  for (const t of targets) t.opaque = opaque.get(t.upper) ?? new Set();
  return {
    stateDir,
    elevated,
    scratchMounted: sized,
    targets,
    exitCode: setupError || timedOut ? null : code,
    timedOut,
    setupError,
    submounts: plan.submounts ?? [],
    unmounted: [
      ...cover.map((d) => `${d} (locked by the machine; it was hidden in the preview)`),
      ...readOnlyInstead.map((d) => `${d} (overlayfs refused it; it was read-only in the preview)`),
      ...plan.files.map((f) => `${f} (a file mounted there; it was read-only in the preview)`),
    ],
    writable: [],
    stdout: read(path.join(stateDir, 'stdout')).slice(0, 8192),
    stderr: read(path.join(stateDir, 'stderr')).slice(0, 8192),
    durationMs: performance.now() - t0,
  };
}

function isDirOrHidden(dir: string): boolean {
  try {
    return fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EACCES';
  }
}
