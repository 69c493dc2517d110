import os from 'node:os';
import type { Env } from '../config/paths';
import { buildCommandEnv } from '../environment/command-env';
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
 * The environment a terminal shell starts with: the command environment
 * (the core passes the one built from config; anything else is scrubbed
 * with the default rules here), plus a terminal identity.
 */
export function shellEnvironment(env: Env = process.env): Record<string, string> {
  const out = buildCommandEnv({ env }).env;
  out.TERM = 'xterm-256color';
  out.COLORTERM = 'truecolor';
  out.TERM_PROGRAM = 'aios';
  return out;
}
