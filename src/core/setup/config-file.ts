import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { appRoot } from '../app-root';
import { loadConfig, type LoadedConfig } from '../config/load';
import { defaultPaths, type Env } from '../config/paths';

/** The commented config.toml aios ships; a first start copies it into place. */
export function shippedConfigTemplate(): string {
  return path.join(appRoot(), 'cfg', 'config.toml');
}

/**
 * Replaces `file` with `text` so that a reader sees the old file or the new
 * one, never half of either: a temp file in the same folder, flushed, then
 * renamed over it. A symlinked config.toml is written through the link; the
 * mode of an existing file is kept (0600 for a new one).
 */
export function writeFileAtomic(file: string, text: string): void {
  let target = file;
  try {
    target = fs.realpathSync(file);
  } catch {
    // a new file: write it where it was asked for
  }
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let mode = 0o600;
  try {
    mode = fs.statSync(target).mode & 0o777;
  } catch {
    // keep 0600
  }
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(temp, 'wx', mode);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(temp, target);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

export type FirstRunResult = { kind: 'exists' } | { kind: 'written'; file: string } | { kind: 'failed'; file: string; message: string };

/**
 * On a first start there is no config.toml: write the shipped, commented one
 * so the person has a file to read and edit (its rules equal the built-in
 * defaults, so nothing about the policy changes). Never overwrites.
 */
export function ensureConfigFile(file: string, template = shippedConfigTemplate()): FirstRunResult {
  if (fs.existsSync(file)) return { kind: 'exists' };
  try {
    const text = fs.readFileSync(template, 'utf8');
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // `wx`: a config another process wrote meanwhile wins.
    fs.writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
    return { kind: 'written', file };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST' && fs.existsSync(file)) return { kind: 'exists' };
    return { kind: 'failed', file, message: e.code === 'EEXIST' ? `a part of ${path.dirname(file)} is a file, not a folder` : e.message };
  }
}

/**
 * What a host does at start: the first time, write the shipped config.toml
 * (never for an explicit `--config`), then read it.
 */
export function loadConfigForHost(env: Env, explicitFile?: string): { loaded: LoadedConfig; firstRun: FirstRunResult } {
  const firstRun: FirstRunResult = explicitFile ? { kind: 'exists' } : ensureConfigFile(defaultPaths(env).configFile);
  return { loaded: loadConfig({ env, ...(explicitFile ? { file: explicitFile } : {}) }), firstRun };
}

/** One line for a terminal host about what the first start did. */
export function reportFirstRun(result: FirstRunResult, write: (line: string) => void): void {
  if (result.kind === 'written')
    write(`aios: first start: wrote the shipped configuration to ${result.file} (edit it, or use the setup form)`);
  if (result.kind === 'failed')
    write(`aios: first start: could not write ${result.file} (${result.message}); running on the built-in defaults`);
}
