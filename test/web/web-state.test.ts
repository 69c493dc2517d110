import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadWebState, randomLoopbackAddress, saveWebState, webSecretFile } from '../../src/hosts/web/web-state';
import { makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('aios-web-state-');
});
afterEach(() => tmp.cleanup());

describe('web.json: the per-install address, port and secret', () => {
  it('is made once, mode 0600 in a 0700 folder, and read back unchanged', () => {
    const dir = tmp.join('data', 'aios');
    const first = loadWebState(dir);
    expect(first.created).toBe(true);
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(first.state.address).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(first.state.secret.length).toBeGreaterThanOrEqual(43);
    saveWebState(first.file, { ...first.state, port: 41234 });
    const again = loadWebState(dir);
    expect(again.created).toBe(false);
    expect(again.state).toEqual({ ...first.state, port: 41234 });
  });

  it('the secret is replaced when someone widened its mode (it may have been read); a damaged web.json is made anew', () => {
    const dir = tmp.join('d');
    const first = loadWebState(dir);
    fs.chmodSync(webSecretFile(dir), 0o644);
    const widened = loadWebState(dir);
    expect(widened.created).toBe(true);
    expect(widened.state.secret).not.toBe(first.state.secret);
    fs.writeFileSync(path.join(dir, 'web.json'), '{not json', { mode: 0o600 });
    expect(loadWebState(dir).created).toBe(true);
  });

  it('never picks 127.0.0.1 (whose cookies every local service would get)', () => {
    for (let i = 0; i < 2000; i++) {
      const a = randomLoopbackAddress();
      expect(a).not.toBe('127.0.0.1');
      const [, x, , z] = a.split('.').map(Number) as [number, number, number, number];
      expect(x).toBeGreaterThanOrEqual(1);
      expect(x).toBeLessThanOrEqual(254);
      expect(z).toBeGreaterThanOrEqual(2);
      expect(z).toBeLessThanOrEqual(253);
    }
  });
});
