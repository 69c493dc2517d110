import fs from 'node:fs';
import path from 'node:path';
import type { SecretFileContext } from '../environment/secret-files';
import { removeRun, removeRunLater, runInOverlay, type OverlayRun, type OverlayRunOptions } from '../jail/preview';
import { applySteps, JOURNAL } from './apply';
import { syncAhead, syncBeforeCommit } from './durable';
import { readEffects, type ReadEffects } from './effects';
import { changedSince, fsNow, fsStamp } from './fingerprint';
import { packageChanges, packageListedFiles, pacmanListedFiles, touchedPackageDatabase, type FileList } from './packages';
import { judgeEffects, type EffectContext, type EffectFinding } from './rules';
import { UndoStore, type Dropped, type StoreLimits } from './store';
import { transactionTargets } from './targets';
import type { Effect, UndoRecord } from './types';
import { removeXattrs } from './xattrs';

/**
 * A command as a transaction: it runs in the jail's OCI form (runc) with an
 * overlay over the machine's folders whose upper layers stay on disk in
 * aios's state folder; what it did is read from them (effects.ts), judged by
 * the caller, then committed to the real filesystem as one step with an undo
 * record, or discarded. A file changed underneath since the run began makes
 * the commit refuse, naming it, with nothing applied.
 */

export class TransactionUnavailable extends Error {}
export class TransactionConflict extends Error {
  constructor(readonly paths: string[]) {
    super(
      `not applied: changed underneath while the command ran: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` and ${paths.length - 5} more` : ''}; nothing was changed, run it again`,
    );
  }
}

export interface TransactionOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Folders overlaid besides the working tree (the machine's: /etc, /usr, /var, /home…). */
  paths: readonly string[];
  network: boolean;
  timeoutMs: number;
  memoryBytes?: number;
  shell?: string;
  signal?: AbortSignal;
  secrets?: SecretFileContext;
  /** dpkg's status file, read before and after a commit (packages added or removed). */
  dpkgStatus?: string;
  /** The command's output as it comes, raw (the caller redacts it); it is also read whole when the run ends. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Whom the command runs as (the root helper's caller); aios's own user by default. */
  runAs?: OverlayRunOptions['runAs'];
}

export interface PendingTransaction extends ReadEffects {
  run: OverlayRun;
  /** When it began, on the filesystem's clock. */
  beganNs: bigint;
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** What it would land is on disk already (synced when the command ended): the commit need not sync it again. */
  durable?: boolean;
}

/** How much of each stream is kept (and shown live), as in the files the run wrote. */
export const OUTPUT_MAX = 1_000_000;
const EFFECTS_KEPT = 2000;

const readOutput = (file: string) => {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(OUTPUT_MAX);
      return buf.subarray(0, fs.readSync(fd, buf, 0, OUTPUT_MAX, 0)).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
};

/** Runs the command on the overlay and reads its effects; nothing real is written yet. */
export async function beginTransaction(store: UndoStore, o: TransactionOptions): Promise<PendingTransaction> {
  if (process.getuid?.() !== 0)
    throw new TransactionUnavailable(
      'transactions need aios to run as root (it moves root-owned files into place); turn [transactions] off or run aios as root',
    );
  store.ensure();
  // Began: on the filesystem's clock, a tick past everything before this call, read as the command starts.
  const before = fsStamp(store.scratch);
  let beganNs = before;
  const run = await runInOverlay({
    beforeStart: () => (beganNs = fsNow(store.scratch, before)),
    command: o.command,
    cwd: o.cwd,
    env: o.env,
    paths: transactionTargets([o.cwd, ...o.paths], store),
    exactTargets: true,
    timeoutMs: o.timeoutMs,
    network: o.network,
    stateBase: store.scratch,
    scratchOnDisk: true,
    // The undo records hold copies of what commands changed (an old /etc/shadow among them): out of the jail's sight.
    hide: [store.root],
    ...(o.memoryBytes ? { memoryBytes: o.memoryBytes } : {}),
    ...(o.shell ? { shell: o.shell } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.secrets ? { secrets: o.secrets } : {}),
    ...(o.onOutput ? { onOutput: o.onOutput } : {}),
    ...(o.runAs ? { runAs: o.runAs } : {}),
  });
  if (run.setupError) {
    removeRun(run);
    throw new TransactionUnavailable(`the transaction's jail could not be made: ${run.setupError}`);
  }
  let p: PendingTransaction;
  try {
    p = pendingFrom(run, beganNs);
  } catch (err) {
    removeRun(run);
    throw err;
  }
  // What would land goes to disk now, its files synced together, before it is judged (the work the commit would start
  // with, one file after the other; wasted only when the transaction is discarded).
  if (p.steps.length > 0 && p.exitCode !== null) p.durable = await syncAhead(p.steps);
  return p;
}

/**
 * A finished preview's run taken as the transaction: its upper layers are
 * read as a transaction's would be, and it began when the preview's command
 * did, so a file changed since (while the person was deciding) is a conflict
 * at the commit. The caller checked it is the run a transaction would make
 * (preview-reuse.ts).
 */
export function adoptPreview(run: OverlayRun, beganNs: bigint): PendingTransaction {
  return pendingFrom(run, beganNs);
}

/** What a finished run did, read from its upper layers, and what it printed. */
function pendingFrom(run: OverlayRun, beganNs: bigint): PendingTransaction {
  return {
    ...readEffects(run.targets),
    run,
    beganNs,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    stdout: readOutput(path.join(run.runDir ?? run.stateDir, 'stdout')),
    stderr: readOutput(path.join(run.runDir ?? run.stateDir, 'stderr')),
  };
}

/** Drops what the command did: nothing lands. Its upper layers go from disk off the event loop; the promise says when. */
export function discardTransaction(p: PendingTransaction): Promise<void> {
  return removeRunLater(p.run);
}

export interface Committed {
  record: UndoRecord | null;
  /** Records dropped to keep the store within its limits, oldest first. */
  dropped: Dropped[];
}

/** Applies the effects as one step and keeps an undo record; refuses on a conflict, applying nothing. */
export function commitTransaction(
  store: UndoStore,
  p: PendingTransaction,
  meta: { command: string; cwd: string; limits: StoreLimits; dpkgStatus?: string; pacmanLocal?: string },
): Committed {
  try {
    if (p.steps.length === 0) return { record: null, dropped: [] };
    const conflicts = p.steps.filter((s) => s.to.kind !== 'meta').flatMap((s) => changedSince(s.path, p.beganNs));
    if (conflicts.length > 0) throw new TransactionConflict(conflicts);
    removeXattrs(p.overlayAttrs);
    if (!p.durable) syncBeforeCommit(p.steps, p.run.stateDir);
    // The package database (dpkg's status, pacman's local folder) is read only when the command changed it.
    const readInstalled = touchedPackageDatabase(
      p.steps.map((s) => s.path),
      { dpkgStatus: meta.dpkgStatus ?? '/var/lib/dpkg/status', pacmanLocal: meta.pacmanLocal ?? '/var/lib/pacman/local' },
    );
    const before = readInstalled?.() ?? null;
    const made = store.create();
    // The journal's first line says whose commit it is, should a crash cut it off (store.recoverInterrupted).
    fs.writeFileSync(
      path.join(made.dir, JOURNAL),
      `${JSON.stringify({ command: meta.command, cwd: meta.cwd, createdAt: new Date().toISOString() })}\n`,
    );
    let entries;
    try {
      entries = applySteps(p.steps, made.dir);
    } catch (err) {
      fs.rmSync(made.dir, { recursive: true, force: true });
      throw err;
    }
    const packages = before && readInstalled ? packageChanges(before, readInstalled()) : undefined;
    const record: UndoRecord = {
      id: made.id,
      kind: 'command',
      command: meta.command,
      cwd: meta.cwd,
      createdAt: new Date().toISOString(),
      entries,
      effects: p.effects.slice(0, EFFECTS_KEPT),
      effectsOmitted: Math.max(0, p.effects.length - EFFECTS_KEPT),
      bytes: UndoStore.diskBytes(made.dir),
      ...(packages ? { packages } : {}),
    };
    store.save(record);
    return { record, dropped: store.prune(meta.limits).filter((d) => d.id !== record.id) };
  } finally {
    // Removing the spent upper layers from disk takes tens of ms: off the event loop, after the answer (spentRunsRemoved waits).
    void removeRunLater(p.run);
  }
}

/** Counts for a summary line: "2 added, 1 changed, 3 deleted". */
export function effectCounts(effects: readonly Effect[]): Record<Effect['change'], number> {
  const c = { added: 0, changed: 0, deleted: 0, meta: 0 };
  for (const e of effects) c[e.change]++;
  return c;
}

/** Where a real path's new state sits in the run's upper layers. */
function upperOf(p: PendingTransaction, real: string): string | null {
  const t = p.run.targets.find((x) => real === x.dir || real.startsWith(`${x.dir}/`));
  return t ? path.join(t.upper, path.relative(t.dir, real)) : null;
}

/** The effect rules over what the run did (see rules.ts), with dpkg's and pacman's file lists old and new for "which package owns it". */
export function judgePending(
  p: PendingTransaction,
  ctx: Omit<EffectContext, 'packageFiles'>,
  infoDir = '/var/lib/dpkg/info',
  pacmanLocal = '/var/lib/pacman/local',
): EffectFinding[] {
  const pathDirs = new Set(ctx.pathDirs);
  const candidates = p.effects
    .filter((e) => e.type === 'file' && e.change !== 'deleted' && pathDirs.has(path.dirname(e.path)))
    .map((e) => e.path);
  // The file lists this run wrote, read from its upper layer.
  const written = (isList: (file: string) => boolean): FileList[] =>
    p.effects
      .filter((e) => e.change !== 'deleted' && isList(e.path))
      .map((e) => ({ path: e.path, read: () => fs.readFileSync(upperOf(p, e.path) ?? e.path, 'utf8') }));
  const packageFiles = packageListedFiles(
    candidates,
    written((f) => f.startsWith(`${infoDir}/`) && f.endsWith('.list')),
    infoDir,
  );
  const pacmanLists = written((f) => path.dirname(path.dirname(f)) === pacmanLocal && path.basename(f) === 'files');
  for (const f of pacmanListedFiles(candidates, pacmanLists, pacmanLocal)) packageFiles.add(f);
  return judgeEffects(p.effects, { ...ctx, packageFiles });
}
