import { spawnSync } from 'node:child_process';
import type { Preview } from '../../shared/preview';
import type { SecretFileContext } from '../environment/secret-files';
import type { SecretSet } from '../environment/redact';
import { removeRun, removeRunLater, runInOverlay, sweepStale, defaultStateBase, type OverlayRun } from '../jail/preview';
import { fsNow, fsStamp } from '../transaction/fingerprint';
import { previewLimits, summaryLines } from './summary';
import { readUpperLayers } from './upper-diff';

export { formatBytes } from './summary';

/** The `[preview]` section of config.toml, resolved. */
export interface PreviewSettings {
  enabled: boolean;
  timeoutMs: number;
  /** Which policy decisions get a preview before they run (default: require_approval). */
  decisions: readonly string[];
  /** Directories overlaid besides the working tree. */
  paths: readonly string[];
  network: boolean;
  /** Not root: set the namespace up through passwordless `sudo -n` when it works (see OverlayRunOptions.sudo). */
  sudo: boolean;
  maxDiffBytes: number;
  maxChanges: number;
  /** Folders a preview must not see (the transactions' undo records: copies of what commands changed). */
  hide?: readonly string[];
}

export const DEFAULT_PREVIEW_PATHS = ['/tmp', '/etc', '/usr', '/var', '/opt', '/home', '/root', '/srv'] as const;

export const DEFAULT_PREVIEW: PreviewSettings = {
  enabled: true,
  timeoutMs: 5000,
  decisions: ['require_approval'],
  paths: DEFAULT_PREVIEW_PATHS,
  network: false,
  sudo: true,
  maxDiffBytes: 64 * 1024,
  maxChanges: 200,
};

export interface PreviewRequest {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  shell?: string;
  signal?: AbortSignal;
  /** Known secrets: cut out of everything the preview says (file names, diffs, stderr) before anyone sees it. */
  secrets?: SecretSet;
  /** Whose secret files the preview's jail masks. */
  secretFiles?: SecretFileContext;
  /**
   * Keep the upper layers of a run that went to its end (the caller may commit them as the command's transaction):
   * handed over here, and then the caller's to remove (`removeRun`). Runs cut short are removed as ever.
   */
  keep?: (kept: AnyKeptPreview) => void;
  /** Not root: the root helper runs a preview that may be kept (see HeldPreviewRequest); without it, none is kept through sudo. */
  viaHelper?: PreviewViaHelper;
}

/** A finished preview's run, kept whole: what a transaction needs to commit it instead of running the command again. */
export interface KeptPreview {
  run: OverlayRun;
  /** When the command began, on the filesystem's clock: a file changed at or after it changed underneath the preview. */
  beganNs: bigint;
  command: string;
  cwd: string;
  shell: string | undefined;
  env: NodeJS.ProcessEnv;
  /** The preview's `[preview] paths` and network (the run's targets are in `run`). */
  paths: readonly string[];
  network: boolean;
  /** What the preview said it could not see (summary.ts), unredacted. */
  limits: string[];
  /** Whom it ran as, when the root helper ran it for its caller. */
  runAs?: { uid: number; gid: number; groups: readonly number[] };
}

/**
 * What a preview run through aios's root helper is asked (aios is not root and
 * a transaction may commit it): the run's settings, never a place. The helper
 * makes and owns the run's folders (root's, out of the user's reach), keeps a
 * finished run under an opaque id, and answers with the preview (unredacted:
 * it is redacted here).
 */
export interface HeldPreviewRequest {
  command: string;
  cwd: string;
  env: Record<string, string>;
  shell?: string;
  paths: string[];
  timeoutMs: number;
  hide?: string[];
  secretFiles?: { home?: string; ownSecrets?: Array<string | { path: string; kind: 'tree' | 'file' }> };
  maxDiffBytes: number;
  maxChanges: number;
}

/** A finished preview kept by the root helper, in its own folders: only its id is known here. */
export interface HeldPreview {
  held: true;
  /** Opaque: it names the run in that helper's memory only. */
  id: string;
  command: string;
  cwd: string;
  /** The helper removes it (the question was declined, timed out or cancelled). */
  discard: () => Promise<void>;
}

/** A kept preview of either kind: run here (as root), or held by the root helper (through sudo). */
export type AnyKeptPreview = KeptPreview | HeldPreview;

export const isHeld = (k: AnyKeptPreview): k is HeldPreview => 'held' in k && k.held === true;

/** Runs the preview in the root helper; `held` is null when it was not kept (cut short, or the helper keeps no more). */
export type PreviewViaHelper = (req: HeldPreviewRequest, signal?: AbortSignal) => Promise<{ preview: Preview; held: HeldPreview | null }>;

/** Drops a kept preview nobody took: its folders go off the event loop (the promise says when). */
export function discardKept(k: AnyKeptPreview): Promise<void> {
  return isHeld(k) ? k.discard().catch(() => undefined) : removeRunLater(k.run);
}

/**
 * The preview service: runs the command once in a throwaway overlay and says
 * what it would change. Never throws: a preview that cannot run says why in
 * `limits` with `ran: false`, and the approval goes on without it.
 */
export async function previewCommand(req: PreviewRequest, settings: PreviewSettings = DEFAULT_PREVIEW): Promise<Preview> {
  if (req.keep && req.viaHelper && settings.sudo && process.getuid?.() !== 0 && !settings.network) {
    const held = await previewThroughHelper(req, req.viaHelper, settings);
    if (held) return held;
  }
  const sudo = settings.sudo && process.getuid?.() !== 0 && passwordlessSudo();
  sweepOnce(sudo);
  // Through sudo here, the run's folders are the user's: never kept for a commit (the root helper's are).
  const { preview, kept } = await runPreview(req, settings, { stateBase: defaultStateBase(), sudo, keep: !!req.keep && !sudo });
  if (kept) req.keep?.(kept);
  return redactPreview(preview, req.secrets);
}

/** Through the root helper; null when it could not (then the preview runs here, through sudo, and is not kept). */
async function previewThroughHelper(req: PreviewRequest, via: PreviewViaHelper, settings: PreviewSettings): Promise<Preview | null> {
  const t0 = performance.now();
  try {
    const { preview, held } = await via(
      {
        command: req.command,
        cwd: req.cwd,
        env: Object.fromEntries(Object.entries(req.env).filter((e): e is [string, string] => e[1] !== undefined)),
        ...(req.shell ? { shell: req.shell } : {}),
        paths: [...settings.paths],
        timeoutMs: settings.timeoutMs,
        ...(settings.hide ? { hide: [...settings.hide] } : {}),
        secretFiles: plainSecretFiles(req.secretFiles ?? (req.env.HOME ? { home: req.env.HOME } : {})),
        maxDiffBytes: settings.maxDiffBytes,
        maxChanges: settings.maxChanges,
      },
      req.signal,
    );
    if (held) {
      if (req.signal?.aborted) void held.discard().catch(() => undefined);
      else req.keep?.(held);
    }
    return redactPreview({ ...preview, durationMs: performance.now() - t0 }, req.secrets);
  } catch {
    return null;
  }
}

/**
 * One preview run and what it says (unredacted): here, or in the root helper
 * (which runs it as its caller, in a folder of its own). A run that went to
 * its end is handed back whole when `keep` asks; otherwise it is removed.
 */
export async function runPreview(
  req: Pick<PreviewRequest, 'command' | 'cwd' | 'env' | 'shell' | 'signal' | 'secretFiles'>,
  settings: PreviewSettings,
  place: { stateBase: string; sudo: boolean; keep: boolean; runAs?: KeptPreview['runAs']; sizedScratch?: boolean },
): Promise<{ preview: Preview; kept?: KeptPreview }> {
  const t0 = performance.now();
  let run;
  // The clock is read only for a run that may be kept (it may wait a tick of the filesystem's clock).
  const base = place.stateBase;
  const before = place.keep ? fsStamp(base) : 0n;
  let beganNs = before;
  try {
    run = await runInOverlay({
      ...(place.keep ? { beforeStart: () => (beganNs = fsNow(base, before)) } : {}),
      command: req.command,
      cwd: req.cwd,
      env: req.env,
      paths: settings.paths,
      timeoutMs: settings.timeoutMs,
      network: settings.network,
      sudo: place.sudo,
      stateBase: base,
      ...(settings.hide ? { hide: settings.hide } : {}),
      secrets: req.secretFiles ?? (req.env.HOME ? { home: req.env.HOME } : {}),
      ...(req.shell ? { shell: req.shell } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(place.runAs ? { runAs: place.runAs } : {}),
      ...(place.sizedScratch ? { sizedScratch: true } : {}),
    });
  } catch (err) {
    return { preview: noPreview((err as Error).message, performance.now() - t0) };
  }
  let kept: KeptPreview | undefined;
  try {
    if (run.setupError) return { preview: noPreview(run.setupError, run.durationMs) };
    const { changes, omitted } = readUpperLayers(run.targets, req.cwd, settings);
    const limits = previewLimits(req.command, run, settings.timeoutMs);
    if (place.keep && !run.timedOut && run.exitCode !== null && !req.signal?.aborted)
      kept = {
        run,
        beganNs,
        command: req.command,
        cwd: req.cwd,
        shell: req.shell,
        env: req.env,
        paths: settings.paths,
        network: settings.network,
        limits,
        ...(place.runAs ? { runAs: place.runAs } : {}),
      };
    return {
      preview: {
        ran: true,
        lines: summaryLines(changes, omitted),
        limits,
        changes,
        omitted,
        exitCode: run.exitCode,
        timedOut: run.timedOut,
        durationMs: performance.now() - t0,
      },
      ...(kept ? { kept } : {}),
    };
  } catch (err) {
    kept = undefined;
    return { preview: noPreview(`its result could not be read (${(err as Error).message})`, performance.now() - t0) };
  } finally {
    if (!kept) removeRun(run);
  }
}

const plainSecretFiles = (c: SecretFileContext): NonNullable<HeldPreviewRequest['secretFiles']> => ({
  ...(c.home ? { home: c.home } : {}),
  ...(c.ownSecrets ? { ownSecrets: c.ownSecrets.map((x) => (typeof x === 'string' ? x : { path: x.path, kind: x.kind })) } : {}),
});

let swept = false;
/** Once per process: state a killed aios left behind is removed. */
function sweepOnce(sudo: boolean): void {
  if (swept) return;
  swept = true;
  sweepStale(defaultStateBase(), sudo);
}

/** The same net as command output: no known secret leaves in a file name, a diff or an error line. */
export function redactPreview(p: Preview, secrets: SecretSet | undefined): Preview {
  if (!secrets) return p;
  const r = (t: string) => secrets.redact(t);
  return {
    ...p,
    lines: p.lines.map(r),
    limits: p.limits.map(r),
    changes: p.changes.map((c) => ({ ...c, path: r(c.path), display: r(c.display), ...(c.diff !== undefined ? { diff: r(c.diff) } : {}) })),
  };
}

let sudoWorks: boolean | undefined;
/** Whether `sudo -n` runs without a password here (asked once per process). */
function passwordlessSudo(): boolean {
  sudoWorks ??= spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 5000 }).status === 0;
  return sudoWorks;
}

function noPreview(why: string, durationMs: number): Preview {
  return { ran: false, lines: [], limits: [`no preview: ${why}`], changes: [], omitted: 0, exitCode: null, timedOut: false, durationMs };
}
