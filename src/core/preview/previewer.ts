import type { z } from 'zod';
import type { Decision } from '../../shared/policy';
import type { Preview } from '../../shared/preview';
import type { PreviewConfigSchema } from '../config/schema';
import type { SecretSet } from '../environment/redact';
import type { SecretFileContext } from '../environment/secret-files';
import { DEFAULT_PREVIEW, previewCommand, type AnyKeptPreview, type PreviewSettings, type PreviewViaHelper } from './index';

/**
 * Starts a preview for decisions in its scope; null (at once, not a promise)
 * when there is none (preview off, or not for this decision), so the question
 * knows at once whether a preview will follow.
 */
export type Previewer = (req: {
  command: string;
  cwd: string;
  decision: Decision;
  signal: AbortSignal;
  /** Keep a finished run's upper layers for the caller (see PreviewRequest.keep). */
  keep?: (kept: AnyKeptPreview) => void;
  /** Not root: where a preview that may be kept runs (the root helper). */
  viaHelper?: PreviewViaHelper;
}) => Promise<Preview | null> | null;

export type PreviewConfig = z.infer<typeof PreviewConfigSchema>;

export function previewSettings(cfg: PreviewConfig): PreviewSettings {
  return {
    ...DEFAULT_PREVIEW,
    enabled: cfg.enabled,
    timeoutMs: cfg.time_limit_s * 1000,
    decisions: cfg.decisions,
    paths: cfg.paths,
    network: cfg.network,
    sudo: cfg.sudo,
  };
}

/** The agent's hook: a preview for the decisions `[preview]` names, none when it is off. */
/**
 * `env` is the commands' scrubbed environment (the preview runs as the real
 * command would); `secrets` redact its text like command output.
 */
export function previewerFor(
  cfg: PreviewConfig,
  env: NodeJS.ProcessEnv,
  secrets?: SecretSet,
  secretFiles?: SecretFileContext,
  hide?: readonly string[],
): Previewer | undefined {
  const settings = { ...previewSettings(cfg), ...(hide ? { hide } : {}) };
  if (!settings.enabled) return undefined;
  // The request's signal is read only for a preview that runs (the gate makes its AbortController on demand).
  return (req) =>
    settings.decisions.includes(req.decision)
      ? previewCommand(
          {
            command: req.command,
            cwd: req.cwd,
            env,
            signal: req.signal,
            ...(secrets ? { secrets } : {}),
            ...(secretFiles ? { secretFiles } : {}),
            ...(req.keep ? { keep: req.keep } : {}),
            ...(req.viaHelper ? { viaHelper: req.viaHelper } : {}),
          },
          settings,
        )
      : null;
}
