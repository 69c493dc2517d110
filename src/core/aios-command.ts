import fs from 'node:fs';
import path from 'node:path';
import { appRoot } from './app-root';
import type { Env } from './config/paths';
import { findExecutable } from './executable';

/**
 * How the person runs `aios <args>` here, for messages that tell them to:
 * `aios …` when it is on PATH (installed), `npm run -s aios -- …` from a
 * checkout where it is not (there `aios` would be "command not found").
 */
export function aiosCommand(args: string, env: Env = process.env): string {
  if (findExecutable('aios', env.PATH)) return `aios ${args}`;
  let root: string;
  try {
    root = appRoot();
  } catch {
    return `aios ${args}`;
  }
  const checkout = fs.existsSync(path.join(root, 'src')) && fs.existsSync(path.join(root, 'scripts', 'aios-dev.mjs'));
  return checkout ? `npm run -s aios -- ${args}` : `aios ${args}`;
}
