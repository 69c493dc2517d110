import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ownSecretsDir } from '../../core/environment/secret-files';

/**
 * The browser host's per-install identity: where it serves (web.json) and
 * the secret that signs its session cookies (secrets/web-secret, 0600 in a
 * 0700 folder), so that a restarted `aios web` comes back at the same
 * address with the same secret and an open tab reconnects by itself.
 *
 * The secret has a file of its own in aios's own secrets folder, which
 * every jail masks and whose reading needs approval (secret-files.ts): no
 * command the AI runs can read it, and web.json holds nothing secret.
 * `aios web --rotate-secret` replaces it; every cookie signed before stops
 * working.
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
export const WEB_SECRET_FILE = 'web-secret';

export function randomLoopbackAddress(): string {
  const b = crypto.randomBytes(3);
  // Neither 127.0.0.1 nor a .0 / .255 ending, which some tools read as network or broadcast.
  const x = 1 + (b[0]! % 254);
  const y = b[1]!;
  const z = 2 + (b[2]! % 252);
  return `127.${x}.${y}.${z}`;
}

function validPlace(v: unknown): v is { address: string; port: number; secret?: unknown } {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s.address === 'string' &&
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(s.address) &&
    typeof s.port === 'number' &&
    Number.isInteger(s.port) &&
    s.port >= 0 &&
    s.port <= 65535
  );
}

function validSecret(s: unknown): s is string {
  return typeof s === 'string' && s.length >= 32 && /^[A-Za-z0-9_-]+$/.test(s);
}

/** Private to its owner: nobody else may have read or replaced it. */
function privateFile(file: string): boolean {
  return (fs.statSync(file).mode & 0o077) === 0;
}

export function newWebSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function webSecretFile(dataDir: string): string {
  return path.join(ownSecretsDir({ dataDir }), WEB_SECRET_FILE);
}

function readSecret(dataDir: string): string | undefined {
  const file = webSecretFile(dataDir);
  try {
    const s = fs.readFileSync(file, 'utf8').trim();
    return validSecret(s) && privateFile(file) && privateFile(path.dirname(file)) ? s : undefined;
  } catch {
    return undefined;
  }
}

function writeSecret(dataDir: string, secret: string): void {
  const file = webSecretFile(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.chmodSync(path.dirname(file), 0o700);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${secret}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * Reads the state of the install whose data dir is `dir`, creating what is
 * missing (the folder 0700, the files 0600). A web.json that still holds the
 * secret (as before it moved) gives it up to the secrets folder, unless its
 * mode was widened: then the secret may have been read and a new one is made.
 */
export function loadWebState(dir: string): { state: WebState; file: string; created: boolean } {
  const file = path.join(dir, WEB_STATE_FILE);
  let place: { address: string; port: number } | undefined;
  let legacySecret: string | undefined;
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (validPlace(parsed)) {
      place = { address: parsed.address, port: parsed.port };
      if (validSecret(parsed.secret) && privateFile(file)) legacySecret = parsed.secret;
    }
  } catch {
    // Missing or damaged: made anew below.
  }
  let secret = readSecret(dir);
  const created = place === undefined || (secret === undefined && legacySecret === undefined);
  secret ??= legacySecret ?? newWebSecret();
  const state: WebState = { address: place?.address ?? randomLoopbackAddress(), port: place?.port ?? 0, secret };
  // Written back whenever something was made or moved, so web.json never keeps a secret.
  if (created || legacySecret !== undefined || readSecret(dir) !== secret) saveWebState(file, state);
  return { state, file, created };
}

/** Writes the place to `file` (web.json) and the secret to the secrets folder beside it. */
export function saveWebState(file: string, state: WebState): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeSecret(dir, state.secret);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ address: state.address, port: state.port }, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Replaces the install's secret: cookies and tickets signed with the old one are refused from the next start on. */
export function rotateWebSecret(dir: string): WebState {
  const { state, file } = loadWebState(dir);
  const next = { ...state, secret: newWebSecret() };
  saveWebState(file, next);
  return next;
}
