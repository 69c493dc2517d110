import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../../src/core/core';
import { aiosOwnSecrets, secretReason } from '../../src/core/environment/secret-files';
import { startWebHost } from '../../src/hosts/web/server';
import { loadWebState, rotateWebSecret, webSecretFile } from '../../src/hosts/web/web-state';
import { isolatedEnv, makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('aios-web-secret-');
});
afterEach(() => tmp.cleanup());

function status(port: number, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', headers: { Host: `127.0.0.1:${port}`, Cookie: cookie } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** What an attacker who read the secret does: sign a session id of their own choosing. */
function forgeCookie(secret: string): string {
  const id = 'attacker-chosen-session-id';
  return `aios_session=${id}.${crypto.createHmac('sha256', secret).update(`aios-web-session:${id}`).digest('base64url')}`;
}

describe("the web host's signing secret", () => {
  it("lives in its own 0600 file in a 0700 folder that is one of aios's own secrets; web.json holds no secret", () => {
    const dataDir = tmp.join('data');
    const { state, file } = loadWebState(dataDir);
    expect(fs.readFileSync(file, 'utf8')).not.toContain(state.secret);
    const secretFile = webSecretFile(dataDir);
    expect(fs.readFileSync(secretFile, 'utf8').trim()).toBe(state.secret);
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(secretFile)).mode & 0o777).toBe(0o700);
    const ctx = { home: tmp.path, ownSecrets: aiosOwnSecrets({ dataDir }, {}) };
    expect(secretReason(secretFile, ctx)).toMatch(/aios's own secret/);
    expect(secretReason(file, ctx)).toMatch(/aios's own secret/);
    // `grep -r … ~/.local/share` reaches it too.
    expect(secretReason(dataDir, ctx, { containing: true })).toBeDefined();
  });

  it('moves out of a web.json written before it had a file of its own', () => {
    const dataDir = tmp.join('data');
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const old = { address: '127.9.8.7', port: 41000, secret: 'S'.repeat(20) + crypto.randomBytes(24).toString('base64url') };
    fs.writeFileSync(path.join(dataDir, 'web.json'), JSON.stringify(old), { mode: 0o600 });
    const { state } = loadWebState(dataDir);
    expect(state).toEqual(old);
    expect(fs.readFileSync(path.join(dataDir, 'web.json'), 'utf8')).not.toContain(old.secret);
    expect(fs.readFileSync(webSecretFile(dataDir), 'utf8').trim()).toBe(old.secret);
  });

  it('a cookie forged from a leaked secret is accepted until the secret is rotated, then refused', async () => {
    const env = isolatedEnv(tmp.path);
    const dataDir = tmp.join('data');
    const leaked = loadWebState(dataDir).state.secret;
    const forged = forgeCookie(leaked);
    const renderer = tmp.join('renderer');
    fs.mkdirSync(renderer);
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>aios</title>');

    const serve = async (secret: string) => {
      const core = new Core({ host: 'web', env, mcp: false });
      const host = await startWebHost({ core, rendererDir: renderer, secret, log: () => undefined });
      return { core, host };
    };
    const before = await serve(loadWebState(dataDir).state.secret);
    try {
      // The forgery works while the leaked secret is in force: this is what rotation is for.
      expect(await status(before.host.port, forged)).toBe(200);
    } finally {
      await before.host.close();
      await before.core.close();
    }
    const rotated = rotateWebSecret(dataDir);
    expect(rotated.secret).not.toBe(leaked);
    const after = await serve(loadWebState(dataDir).state.secret);
    try {
      expect(await status(after.host.port, forged)).toBe(403);
      expect(await status(after.host.port, after.host.sessionCookie())).toBe(200);
      // Printed by a command in any disguise, the running host's secret is redacted.
      const secrets = after.core.commandEnv.secrets;
      const s = rotated.secret;
      for (const printed of [
        s,
        [...s].join('\n'),
        Buffer.from(`secret=${s}`).toString('base64'),
        Buffer.from(s).toString('hex'),
        s.slice(0, 12),
      ]) {
        expect(secrets.redact(`out: ${printed}`)).toContain('[redacted]');
        expect(secrets.redact(`out: ${printed}`)).not.toContain(s.slice(0, 12));
      }
    } finally {
      await after.host.close();
      await after.core.close();
    }
  });
});
