import fs from 'node:fs';
import path from 'node:path';
import { appRoot } from './app-root';
import { homeDir, type Env } from './config/paths';

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export interface WorkDirOptions {
  /** The process's own cwd (default: `process.cwd()`). */
  cwd?: string;
  /** aios's installation or checkout (default: `appRoot()`). */
  appRoot?: string;
}

/**
 * Where the AI works, the terminal opens and relative paths are judged: one
 * rule for every host. The directory the person started aios from — npm runs
 * scripts in the package root and passes the caller's directory as
 * `INIT_CWD`, so that comes first — else the home. Never aios's own checkout:
 * the AI would otherwise list, and be allowed to write, aios's sources.
 */
export function workingDirectory(env: Env = process.env, options: WorkDirOptions = {}): string {
  let root: string | undefined;
  try {
    root = options.appRoot ?? appRoot();
  } catch {
    root = undefined;
  }
  const candidates = [env.INIT_CWD, options.cwd ?? process.cwd()];
  for (const candidate of candidates) {
    if (!candidate || !path.isAbsolute(candidate) || !isDirectory(candidate)) continue;
    const real = fs.realpathSync(candidate);
    if (root && inside(real, fs.realpathSync(root))) continue;
    return real;
  }
  return homeDir(env);
}
