import fs from 'node:fs';
import path from 'node:path';
import { secretNameMatcher } from './name-globs';
import type { Env } from '../config/paths';
import { DEFAULT_SECRET_ENV_PATTERNS } from './command-env';

/**
 * Secrets aios was started with, taken out of its own process environment.
 *
 * `delete process.env.X` is not enough: `/proc/<pid>/environ` shows the
 * block the process was exec'd with, and any process of the same user (the
 * commands aios runs) can read it. So the value's bytes in that block are
 * overwritten too, through `/proc/self/mem` (a process may write its own
 * memory; the block is no longer referenced once the variable is unset).
 * The values live on only in this module, handed to whoever asks by name.
 *
 * Every entry point calls `takeSecretsFromEnvironment` first thing; hosts
 * build the env they give the core with `heldEnv()`.
 */

const held = new Map<string, string>();
let problem: string | undefined;

export interface TakeResult {
  /** Names taken this time. */
  taken: string[];
  /** Why the environ block could not be blanked (the values were still taken out of process.env). */
  problem?: string;
}

/**
 * Takes every variable whose name matches `patterns` (default: the names
 * that hold secrets by convention) or is in `names` out of this process's
 * environment. Idempotent; later calls may take more names.
 */
export function takeSecretsFromEnvironment(options: { patterns?: readonly string[]; names?: readonly string[] } = {}): TakeResult {
  const patterns = options.patterns ?? DEFAULT_SECRET_ENV_PATTERNS;
  const looksSecret = secretNameMatcher(patterns);
  const exact = new Set(options.names ?? []);
  const taken: string[] = [];
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || !(exact.has(name) || looksSecret(name))) continue;
    held.set(name, value);
    delete process.env[name];
    taken.push(name);
  }
  if (taken.length > 0) {
    const failed = blankInEnviron(taken);
    if (failed) problem = failed;
  }
  return { taken, ...(problem ? { problem } : {}) };
}

/** The environment with the held secrets back in: what a host gives the core (never a child process). */
export function heldEnv(env: Env = process.env): Env {
  return held.size === 0 ? env : { ...env, ...Object.fromEntries(held) };
}

/** Names held (for `aios doctor` and tests); never the values. */
export function heldNames(): string[] {
  return [...held.keys()];
}

/** Why `/proc/self/environ` may still show a held secret, if it may. */
export function environProblem(): string | undefined {
  return problem;
}

/**
 * A systemd credential (`LoadCredential=` / `SetCredential=`): the file
 * `$CREDENTIALS_DIRECTORY/<name>` read once, its last newline dropped.
 */
export function readCredential(env: Env, name: string): string | undefined {
  const dir = env.CREDENTIALS_DIRECTORY;
  if (!dir || !/^[\w.-]+$/.test(name)) return undefined;
  try {
    const value = fs.readFileSync(path.join(dir, name), 'utf8').replace(/\r?\n$/, '');
    return value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The values of aios's own secret files (the web host's signing secret, in
 * its secrets folder), so that every host redacts them, not only the one
 * that uses them. Unreadable or missing files are skipped.
 */
export function ownSecretValues(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    try {
      const value = fs.readFileSync(path.join(dir, name), 'utf8').trim();
      if (value.length >= 16 && value.length <= 4096) out.push(value);
    } catch {
      // Not a readable file: nothing to redact.
    }
  }
  return out;
}

/** The credential name of a key variable: OPENAI_API_KEY → openai_api_key. */
export function credentialName(variable: string): string {
  return variable.toLowerCase();
}

/**
 * `env` with the provider key from a systemd credential when the variable
 * is not set: `LoadCredential=openai_api_key:/path` in the unit (the name is
 * `[ai] api_key_env` in lower case). The key is then in no environment at all.
 */
export function withProviderCredential(env: Env, apiKeyEnv: string): Env {
  if (env[apiKeyEnv]) return env;
  const key = readCredential(env, credentialName(apiKeyEnv));
  return key ? { ...env, [apiKeyEnv]: key } : env;
}

/** Overwrites `NAME=value` of each name in this process's original environment block with NULs. */
function blankInEnviron(names: readonly string[]): string | undefined {
  let fd: number | undefined;
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces; env_start/env_end are fields 50 and 51.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[50 - 3]);
    const end = Number(fields[51 - 3]);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start)
      return 'the kernel does not say where the environment block is';
    fd = fs.openSync('/proc/self/mem', 'r+');
    const block = Buffer.alloc(end - start);
    fs.readSync(fd, block, 0, block.length, start);
    for (const name of names) {
      const needle = Buffer.from(`${name}=`);
      for (let at = block.indexOf(needle); at !== -1; at = block.indexOf(needle, at + 1)) {
        if (at > 0 && block[at - 1] !== 0) continue;
        const stop = block.indexOf(0, at);
        const length = (stop === -1 ? block.length : stop) - at;
        fs.writeSync(fd, Buffer.alloc(length), 0, length, start + at);
        block.fill(0, at, at + length);
      }
    }
    return undefined;
  } catch (err) {
    return `could not blank /proc/self/environ (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
