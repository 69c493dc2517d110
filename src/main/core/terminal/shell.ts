import os from 'node:os';
import type { Env } from '../config/paths';
import { isExecutableFile } from '../executable';

/** The person's login shell: `$SHELL`, else the passwd entry, else /bin/sh. */
export function resolveShell(env: Env = process.env): string {
  const candidates = [env.SHELL, safeUserShell(), '/bin/bash', '/bin/sh'];
  for (const c of candidates) {
    if (c && isExecutableFile(c)) return c;
  }
  return '/bin/sh';
}

function safeUserShell(): string | undefined {
  try {
    return os.userInfo().shell ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The environment a terminal shell starts with: the person's, without the
 * variables npm or Electron set for aios itself, plus a terminal identity.
 */
export function shellEnvironment(env: Env = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (k.startsWith('npm_') || k === 'INIT_CWD' || k.startsWith('ELECTRON_') || k === 'NODE_OPTIONS') continue;
    out[k] = v;
  }
  out.TERM = 'xterm-256color';
  out.COLORTERM = 'truecolor';
  out.TERM_PROGRAM = 'aios';
  return out;
}
