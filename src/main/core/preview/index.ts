import { spawnSync } from 'node:child_process';
import type { Preview } from '../../../shared/preview';
import { removeRun, runInOverlay } from './overlay-run';
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
}

/**
 * The preview service: runs the command once in a throwaway overlay and says
 * what it would change. Never throws: a preview that cannot run says why in
 * `limits` with `ran: false`, and the approval goes on without it.
 */
export async function previewCommand(req: PreviewRequest, settings: PreviewSettings = DEFAULT_PREVIEW): Promise<Preview> {
  const t0 = performance.now();
  let run;
  try {
    run = await runInOverlay({
      command: req.command,
      cwd: req.cwd,
      env: req.env,
      paths: settings.paths,
      timeoutMs: settings.timeoutMs,
      network: settings.network,
      sudo: settings.sudo && process.getuid?.() !== 0 && passwordlessSudo(),
      ...(req.shell ? { shell: req.shell } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    });
  } catch (err) {
    return noPreview((err as Error).message, performance.now() - t0);
  }
  try {
    if (run.setupError) return noPreview(`the preview namespace could not be made (${run.setupError})`, run.durationMs);
    const { changes, omitted } = readUpperLayers(run.targets, req.cwd, settings);
    return {
      ran: true,
      lines: summaryLines(changes, omitted),
      limits: previewLimits(req.command, run, settings.timeoutMs),
      changes,
      omitted,
      exitCode: run.exitCode,
      timedOut: run.timedOut,
      durationMs: performance.now() - t0,
    };
  } catch (err) {
    return noPreview(`its result could not be read (${(err as Error).message})`, performance.now() - t0);
  } finally {
    removeRun(run);
  }
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
