import { secretNameMatcher } from './name-globs';
import type { Env } from '../config/paths';

/**
 * Names whose values are secrets by convention. Matched case-insensitively
 * against the whole variable name; `[commands] secret_env` replaces the list.
 */
export const DEFAULT_SECRET_ENV_PATTERNS: readonly string[] = ['*_KEY', '*_TOKEN', '*_SECRET', '*PASSWORD*', '*_API_KEY*', '*CREDENTIAL*'];

/** Variables aios's own launchers set (npm, Electron, Node) that a shell must not inherit. */
const LAUNCHER_ENV = /^(npm_|ELECTRON_)|^(INIT_CWD|NODE_OPTIONS)$/;

/** Values shorter than this are not redacted: "1" or "yes" would blank ordinary output. */
export const MIN_REDACTED_LENGTH = 6;

export interface CommandEnvOptions {
  env: Env;
  /** `[ai] api_key_env`: the provider key's variable, always removed. */
  apiKeyEnv?: string;
  /** Glob patterns of variable names to remove (default DEFAULT_SECRET_ENV_PATTERNS). */
  secretPatterns?: readonly string[];
  /** More exact names to remove (a web token's variable, …). */
  extraNames?: readonly string[];
}

export interface CommandEnv {
  /** What model commands and terminal shells start with. */
  env: Record<string, string>;
  /** Names removed because they hold secrets (for `aios doctor` and tests). */
  removed: string[];
  /** Values of removed variables worth redacting from output. */
  secretValues: string[];
}

/**
 * The one environment for every process aios starts on the person's behalf
 * (model commands, `!cmd`, terminal shells): the person's own, without the
 * provider key, without anything whose name says it is a secret, and
 * without what aios's launchers set for aios itself.
 */
export function buildCommandEnv(o: CommandEnvOptions): CommandEnv {
  const patterns = o.secretPatterns ?? DEFAULT_SECRET_ENV_PATTERNS;
  const looksSecret = secretNameMatcher(patterns);
  const exact = new Set([...(o.apiKeyEnv ? [o.apiKeyEnv] : []), ...(o.extraNames ?? [])]);
  const env: Record<string, string> = {};
  const removed: string[] = [];
  const secretValues: string[] = [];
  for (const [name, value] of Object.entries(o.env)) {
    if (value === undefined) continue;
    if (LAUNCHER_ENV.test(name)) continue;
    if (exact.has(name) || looksSecret(name)) {
      removed.push(name);
      if (value.length >= MIN_REDACTED_LENGTH) secretValues.push(value);
      continue;
    }
    env[name] = value;
  }
  return { env, removed, secretValues };
}
