/**
 * aios's own data and cache folders are walls like its config: the cache
 * holds compiled code and the validated config aios loads at its next start,
 * the data folder its secrets. An auto-allowed command in a home work tree
 * (the kiosk's case) must not write either, in their usual places or where
 * XDG_CACHE_HOME / XDG_DATA_HOME put them, and the policy asks before any
 * command that names them. Real bubblewrap, real files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/load';
import { Executor, Sandbox, confinementFor } from '../../src/core/executor';
import { PolicyEngine, protectedContext } from '../../src/core/policy';
import { SHIPPED_CONFIG } from '../support/policy';

let home: string;
beforeEach(() => {
  home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-own-folders-')));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const PLANTED = [
  '.cache/aios/config-validated.json',
  '.local/share/aios/secrets/web-secret',
  'xdg-cache/aios/compile/x',
  'xdg-data/aios/logs/x',
];

function plant(): void {
  for (const rel of PLANTED) {
    fs.mkdirSync(path.dirname(path.join(home, rel)), { recursive: true });
    fs.writeFileSync(path.join(home, rel), 'original\n');
  }
}

describe("aios's data and cache folders", () => {
  it('are read-only to a confined command in a home work tree, in their usual places and where XDG puts them', async () => {
    plant();
    const env = { HOME: home, XDG_CACHE_HOME: path.join(home, 'xdg-cache'), XDG_DATA_HOME: path.join(home, 'xdg-data') };
    const config = loadConfig({ file: SHIPPED_CONFIG, env });
    const confinement = confinementFor(home, { home, ...protectedContext(config) });
    const r = await new Executor({ sandbox: new Sandbox() }).run({
      cwd: home,
      confinement,
      command: [...PLANTED.map((rel) => `echo forged > ${rel} || echo refused`), 'echo made > fine.txt'].join('; '),
    });
    expect(r.confined).toBe(true);
    expect(r.fullOutput.match(/refused/g)?.length, r.fullOutput).toBe(PLANTED.length);
    for (const rel of PLANTED) expect(fs.readFileSync(path.join(home, rel), 'utf8'), rel).toBe('original\n');
    expect(fs.readFileSync(path.join(home, 'fine.txt'), 'utf8')).toBe('made\n');
  });

  it('and a command that writes there needs approval whatever the rules say', async () => {
    const env = { HOME: home, XDG_CACHE_HOME: '/srv/cache', AIOS_DATA_DIR: '/srv/aios-data' };
    const engine = await PolicyEngine.create({ config: loadConfig({ file: SHIPPED_CONFIG, env }), hostname: 'test-host' });
    for (const line of [
      'echo x > ~/.cache/aios/config-validated.json',
      'rm -rf .cache/aios',
      'cp x .local/share/aios/secrets/web',
      'echo x > /srv/cache/aios/compile/y',
      'echo x > /srv/aios-data/secrets/z',
      'echo x > /var/lib/aios/transactions/r1/before',
    ]) {
      const r = engine.decide(line, { cwd: home, home });
      expect(['require_approval', 'deny'], line).toContain(r.decision);
      expect(r.segments.flatMap((s) => s.reasons).join('\n'), line).toMatch(/protected path/);
    }
    expect(engine.decide('echo x > notes.txt', { cwd: home, home }).decision).not.toBe('require_approval');
  });
});
