import fs from 'node:fs';
import path from 'node:path';
import type { SecretFileContext } from '../environment/secret-files';
import { defaultStateBase, nestedLayersTrapped, opaqueDirs, removeRun, STATE_PREFIX } from './preview-state';
import { chooseTargets, inside, planMounts } from './overlay-plan';
import { hostMounts } from './oci';
import { mountFailure, ociRuntime, runtimeError, type OciRuntime } from './oci-runtime';
import { cgroupsWritable, mountScratch, writeBundle } from './preview-bundle';
import { spreadRunFolders, takeLayers } from './layer-pool';
import { launchRuntime } from './preview-launch';

/**
 * Runs a command once in a throwaway view of the filesystem, in the jail's
 * OCI form under runc: each target directory (and each mount beneath one) is
 * an overlay whose upper layer lives in a private state directory on tmpfs;
 * every other mount is bound read-only; no network; limits on memory (upper
 * layers included), processes and time. The real system is never written:
 * what the command changed is left in the upper layers for upper-diff.ts.
 * It fails closed: when a target cannot be overlaid, nothing runs.
 * This module plans a run and reads its result; preview-bundle.ts makes the
 * container, preview-launch.ts starts it, preview-state.ts removes it.
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
  /** The run's folder: its upper and work layers (`up/N`, `work/N`) and, unless `runDir` says otherwise, the container's own files. */
  stateDir: string;
  /**
   * The container's own files (its root, bundle, runtime state, log and output), on tmpfs when the layers are on disk
   * (`scratchOnDisk`): nothing of them is kept, and on disk each is an inode made and deleted on the command's path.
   */
  runDir?: string;
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

export { DEFAULT_PREVIEW_MEMORY } from './preview-bundle';
export { defaultStateBase, nestedLayersTrapped, removeRun, removeRunLater, spentRunsRemoved, sweepStale } from './preview-state';
export { chooseTargets, planMounts } from './overlay-plan';

const read = (file: string): string => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

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
  const uid = process.getuid?.() ?? 0;
  const elevated = uid !== 0;
  const prefix = `${STATE_PREFIX}${process.pid}-`;
  // A transaction's layers on disk, the rest on tmpfs; its layer folder is chosen once the plan says how many it needs.
  const pooled = !!o.scratchOnDisk && !elevated;
  const runDir = fs.mkdtempSync(path.join(pooled ? defaultStateBase() : base, prefix));
  let stateDir = runDir;
  const user = o.runAs ?? { uid, gid: process.getgid?.() ?? uid, groups: process.getgroups?.() ?? [] };
  const empty = (setupError: string): OverlayRun => ({
    stateDir,
    ...(runDir !== stateDir ? { runDir } : {}),
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
    const failed = mountScratch(o, stateDir, elevated, uid);
    if (failed) return empty(failed);
  }
  // Planned around the place the layer folder will be in (any folder in it: a made-ahead one or a new one).
  const layersAt = pooled ? base : stateDir;
  // A folder holding the layers is overlaid whole where the kernel refuses any lookup of them and the jail covers them.
  const nestedOk = pooled && (o.hide ?? []).some((h) => inside(layersAt, h)) && nestedLayersTrapped(layersAt);
  const dirs = chooseTargets(o.exactTargets ? null : o.cwd, o.paths, layersAt, nestedOk);
  const planned = planMounts(dirs, layersAt);
  const plan = {
    ...planned,
    submounts: planned.overlays.filter((d) => !dirs.includes(d)),
    overlays: planned.overlays.filter((d) => !readOnlyInstead.includes(d)),
    readOnly: [...planned.readOnly, ...readOnlyInstead].filter((d) => !cover.includes(d)),
    covered: [
      ...planned.covered,
      ...cover.filter((d) => fs.statSync(d, { throwIfNoEntry: false })?.isDirectory()),
      // A folder to hide that this user may not even look at (root's undo records, seen through sudo) is covered all the same.
      ...(o.hide ?? []).filter((d) => isDirOrHidden(d)),
    ],
  };
  // Made after the last run's were removed (layer-pool.ts), when one was made for as many overlays.
  if (pooled) {
    spreadRunFolders(base);
    stateDir = takeLayers(base, plan.overlays.length) ?? fs.mkdtempSync(path.join(base, prefix));
  }
  const { targets, bundle, id } = writeBundle(o, { stateDir: runDir, layersDir: stateDir, uid, elevated, user, plan, cover, cgroups });
  const { code, timedOut, spawnError } = await launchRuntime(o, { rt, stateDir: runDir, bundle, id, elevated, cgroups });
  const setupError = spawnError ?? runtimeError(read(path.join(runDir, 'oci.log')));
  // A transaction reads every upper attribute itself, opaque marks among them (transaction/effects.ts): no second getfattr.
  const opaque = o.scratchOnDisk ? new Map<string, Set<string>>() : opaqueDirs(targets, elevated);
  for (const t of targets) t.opaque = opaque.get(t.upper) ?? new Set();
  return {
    stateDir,
    ...(runDir !== stateDir ? { runDir } : {}),
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
    stdout: read(path.join(runDir, 'stdout')).slice(0, 8192),
    stderr: read(path.join(runDir, 'stderr')).slice(0, 8192),
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
