import { spawnSync } from 'node:child_process';
import type { Preview } from '../../shared/preview';
import type { SecretFileContext } from '../environment/secret-files';
import type { SecretSet } from '../environment/redact';
import { removeRun, runInOverlay, sweepStale, defaultStateBase, type OverlayRun } from '../jail/preview';
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
  keep?: (kept: KeptPreview) => void;
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
}

/**
 * The preview service: runs the command once in a throwaway overlay and says
 * what it would change. Never throws: a preview that cannot run says why in
 * `limits` with `ran: false`, and the approval goes on without it.
 */
export async function previewCommand(req: PreviewRequest, settings: PreviewSettings = DEFAULT_PREVIEW): Promise<Preview> {
  const t0 = performance.now();
  let run;
  sweepOnce(settings.sudo && process.getuid?.() !== 0 && passwordlessSudo());
  // The clock is read only for a run that may be kept (it may wait a tick of the filesystem's clock).
  const base = defaultStateBase();
  const before = req.keep ? fsStamp(base) : 0n;
  let beganNs = before;
  try {
    run = await runInOverlay({
      ...(req.keep ? { beforeStart: () => (beganNs = fsNow(base, before)) } : {}),
      command: req.command,
      cwd: req.cwd,
      env: req.env,
      paths: settings.paths,
      timeoutMs: settings.timeoutMs,
      network: settings.network,
      sudo: settings.sudo && process.getuid?.() !== 0 && passwordlessSudo(),
      ...(settings.hide ? { hide: settings.hide } : {}),
      secrets: req.secretFiles ?? (req.env.HOME ? { home: req.env.HOME } : {}),
      ...(req.shell ? { shell: req.shell } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    });
  } catch (err) {
    return noPreview((err as Error).message, performance.now() - t0);
  }
  let kept = false;
  try {
    if (run.setupError) return redactPreview(noPreview(run.setupError, run.durationMs), req.secrets);
    const { changes, omitted } = readUpperLayers(run.targets, req.cwd, settings);
    const limits = previewLimits(req.command, run, settings.timeoutMs);
    if (req.keep && !run.timedOut && run.exitCode !== null && !req.signal?.aborted) {
      req.keep({
        run,
        beganNs,
        command: req.command,
        cwd: req.cwd,
        shell: req.shell,
        env: req.env,
        paths: settings.paths,
        network: settings.network,
        limits,
      });
      kept = true;
    }
    return redactPreview(
      {
        ran: true,
        lines: summaryLines(changes, omitted),
        limits,
        changes,
        omitted,
        exitCode: run.exitCode,
        timedOut: run.timedOut,
        durationMs: performance.now() - t0,
      },
      req.secrets,
    );
  } catch (err) {
    return noPreview(`its result could not be read (${(err as Error).message})`, performance.now() - t0);
  } finally {
    if (!kept) removeRun(run);
  }
}

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
