import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The browser host's per-install identity, kept in a 0600 file so that a
 * restarted `aios web` comes back at the same address with the same secret
 * and an open tab reconnects by itself.
 *
 * The address is a random one of 127.0.0.0/8, not 127.0.0.1: browsers send a
 * cookie to every port of its host, so on 127.0.0.1 the session cookie would
 * also reach every other local service the browser visits. On an address of
 * its own it reaches only this server.
 */
export interface WebState {
  address: string;
  port: number;
  secret: string;
}

export const WEB_STATE_FILE = 'web.json';

export function randomLoopbackAddress(): string {
  const b = crypto.randomBytes(3);
  // Neither 127.0.0.1 nor a .0 / .255 ending, which some tools read as network or broadcast.
  const x = 1 + (b[0]! % 254);
  const y = b[1]!;
  const z = 2 + (b[2]! % 252);
  return `127.${x}.${y}.${z}`;
}

function valid(v: unknown): v is WebState {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s.address === 'string' &&
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(s.address) &&
    typeof s.port === 'number' &&
    Number.isInteger(s.port) &&
    s.port >= 0 &&
    s.port <= 65535 &&
    typeof s.secret === 'string' &&
    s.secret.length >= 32
  );
}

/** Reads the state in `dir`, creating it (and the folder, 0700) on first use or when unreadable. */
export function loadWebState(dir: string): { state: WebState; file: string; created: boolean } {
  const file = path.join(dir, WEB_STATE_FILE);
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (valid(parsed)) {
      // Someone widened the file's mode: the secret may have been read, so it is replaced.
      if ((fs.statSync(file).mode & 0o077) === 0) return { state: parsed, file, created: false };
    }
  } catch {
    // Missing or damaged: made anew below.
  }
  const state: WebState = { address: randomLoopbackAddress(), port: 0, secret: crypto.randomBytes(32).toString('base64url') };
  saveWebState(file, state);
  return { state, file, created: true };
}

export function saveWebState(file: string, state: WebState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
