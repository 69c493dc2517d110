import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { removeRun, removeRunLater, sweepStale } from '../jail/preview';
import { DEFAULT_PREVIEW, runPreview, type HeldPreviewRequest, type KeptPreview } from '../preview';
import type { Preview } from '../../shared/preview';
import { checkStateDir, HelperRefused } from './root-helper-checks';

/**
 * The root helper's kept previews: a preview that a transaction may commit
 * after the person's yes runs here, as root for the helper's caller, in a
 * folder root makes and owns (mode 0700, every folder above it root's), so
 * nothing the user runs can change what will be committed between the
 * preview and the yes. A finished run is kept in this process's memory under
 * a random id, the only thing aios learns; a commit names the id and the
 * helper takes the run from its own table. Nothing is ever adopted from disk:
 * a folder a killed helper left is only removed (the next helper's sweep).
 */

/** Where the helper makes its previews' folders: /run (tmpfs on a booted machine: the pages count against the preview's memory). */
export const HELD_PREVIEW_BASE = '/run/aios/previews';
/** Kept at once, at most (one per open question; the oldest goes first). */
const MAX_HELD = 4;
/** A question open longer than this has timed out long since: its run goes at the next request. */
const MAX_AGE_MS = 60 * 60 * 1000;

interface Held {
  kept: KeptPreview;
  at: number;
}

export class HeldPreviews {
  private readonly held = new Map<string, Held>();
  private swept = false;

  constructor(private readonly base = HELD_PREVIEW_BASE) {}

  /** The base folder, made root's and private, and checked (with every folder above it) before anything is put in it. */
  private ensureBase(): string {
    fs.mkdirSync(this.base, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(this.base);
    if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o077) !== 0)
      throw new HelperRefused(`the kept previews' folder must be root's, mode 700: ${this.base} is not`);
    checkStateDir(this.base);
    this.sweepOnce();
    return this.base;
  }

  /** Runs a killed helper left (its pid gone): removed, never taken. Once per helper. */
  private sweepOnce(): void {
    if (this.swept) return;
    this.swept = true;
    if (fs.lstatSync(this.base, { throwIfNoEntry: false })?.uid === 0) sweepStale(this.base, false);
  }

  /** Runs the preview as `runAs`; a run that went to its end is kept, and its id given back. */
  async preview(
    req: HeldPreviewRequest,
    runAs: NonNullable<KeptPreview['runAs']>,
    o: { signal: AbortSignal; hide: readonly string[] },
  ): Promise<{ preview: Preview; id: string | null }> {
    this.expire();
    const base = this.ensureBase();
    const { preview, kept } = await runPreview(
      {
        command: req.command,
        cwd: req.cwd,
        env: req.env,
        signal: o.signal,
        ...(req.shell ? { shell: req.shell } : {}),
        ...(req.secretFiles ? { secretFiles: req.secretFiles } : {}),
      },
      {
        ...DEFAULT_PREVIEW,
        paths: req.paths,
        timeoutMs: req.timeoutMs,
        // Off: a run that reached the network is not one to commit (and the preview's default).
        network: false,
        sudo: false,
        maxDiffBytes: req.maxDiffBytes,
        maxChanges: req.maxChanges,
        // Whatever aios asked hidden, and root's own folders: the undo records and the other kept previews.
        hide: [...new Set([...(req.hide ?? []), ...o.hide, base])],
      },
      // Where /run is no tmpfs (a container), the upper layers get one of the memory limit's size: a disk is no bound.
      { stateBase: base, sudo: false, keep: true, runAs, sizedScratch: !onTmpfs(base) },
    );
    if (!kept) return { preview, id: null };
    while (this.held.size >= MAX_HELD) void this.drop(this.held.keys().next().value as string);
    const id = randomBytes(16).toString('hex');
    this.held.set(id, { kept, at: Date.now() });
    return { preview, id };
  }

  /** The kept run for a commit, taken out of the table (the transaction removes it); undefined when there is none. */
  take(id: string): KeptPreview | undefined {
    this.sweepOnce();
    this.expire();
    const h = this.held.get(id);
    this.held.delete(id);
    // Its folder must still be the one made for it: root's, private, inside the base.
    if (h && !stillOurs(h.kept.run.stateDir, this.base)) {
      removeRun(h.kept.run);
      return undefined;
    }
    return h?.kept;
  }

  /** The question was settled without it: the run goes, off the event loop. */
  drop(id: string): Promise<void> {
    const h = this.held.get(id);
    this.held.delete(id);
    return h ? removeRunLater(h.kept.run) : Promise.resolve();
  }

  /** The helper is ending (aios closed its end): every kept run goes now. */
  dropAll(): void {
    for (const h of this.held.values()) removeRun(h.kept.run);
    this.held.clear();
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, h] of this.held) if (now - h.at > MAX_AGE_MS) void this.drop(id);
  }
}

const TMPFS_MAGIC = 0x01021994;
const onTmpfs = (dir: string) => {
  try {
    return fs.statfsSync(dir).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
};

function stillOurs(dir: string, base: string): boolean {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  return !!st && st.isDirectory() && st.uid === 0 && (st.mode & 0o077) === 0 && path.dirname(dir) === base;
}
