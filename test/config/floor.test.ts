import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PERMISSIONS } from '../../src/core/config/defaults';
import { loadConfig } from '../../src/core/config/load';
import { PolicyEngine } from '../../src/core/policy';
import { CTX, tempDir } from '../support/policy';

/** The shipped lists are a floor a person's config.toml extends. */
let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = tempDir('aios-floor-');
});
afterEach(() => tmp.cleanup());

async function engineFor(toml: string, hostname = 'test-host') {
  const file = path.join(tmp.dir, 'config.toml');
  fs.writeFileSync(file, toml);
  const loaded = loadConfig({ file, env: { HOME: tmp.dir, AIOS_CONFIG_DIR: tmp.dir } });
  return { loaded, engine: await PolicyEngine.create({ config: loaded, hostname }) };
}

describe('the shipped floor', () => {
  it('keeps the shipped lists when config.toml holds only [ai]', async () => {
    const { loaded, engine } = await engineFor('[ai]\nmodel = "gpt-4o-mini"\n');
    expect(loaded.problems).toEqual([]);
    expect(loaded.config.permissions.deny).toEqual(DEFAULT_PERMISSIONS.deny);
    expect(loaded.policySources).toMatchObject({
      replaceShipped: false,
      lists: { deny: { shipped: DEFAULT_PERMISSIONS.deny.length, own: 0 } },
    });
    expect(engine.decide('rm -rf /', CTX).decision).toBe('deny');
    expect(engine.decide('mkfs.ext4 /dev/sda1', CTX).decision).toBe('deny');
    expect(engine.decide('ls', CTX).decision).toBe('auto_allow');
    expect(engine.decide('pacman -S vim', CTX).decision).toBe('notify');
  });

  it('adds a person’s rules to the shipped ones; the strictest wins', async () => {
    const { loaded, engine } = await engineFor('[permissions]\nauto_allow = ["make*", "rm -rf /"]\ndeny = ["curl*"]\n');
    expect(loaded.policySources?.lists.auto_allow.own).toBe(2);
    expect(loaded.policySources?.lists.deny.own).toBe(1);
    expect(engine.decide('make all', CTX).decision).toBe('auto_allow');
    expect(engine.decide('curl x', CTX).decision).toBe('deny');
    // The person's auto_allow cannot loosen the shipped deny.
    expect(engine.decide('rm -rf /', CTX).decision).toBe('deny');
    expect(engine.decide('ls', CTX).decision).toBe('auto_allow');
  });

  it('drops the shipped lists only with replace_shipped = true, and says so', async () => {
    const { loaded, engine } = await engineFor('[permissions]\nreplace_shipped = true\nauto_allow = ["ls"]\n');
    expect(loaded.policySources).toMatchObject({ replaceShipped: true, lists: { deny: { shipped: 0, own: 0 } } });
    expect(engine.decide('rm -rf /', CTX).decision).toBe('require_approval');
    expect(engine.describe()).toMatch(/replace_shipped/);
  });

  it('keeps the shipped profiles and adds a person’s profile rules to them', async () => {
    const { loaded, engine } = await engineFor('[profiles.aios-prod.permissions]\ndeny = ["curl*"]\n', 'aios-prod');
    expect(loaded.config.profiles['aios-prod']?.permissions.require_approval).toContain('pacman -S*');
    expect(engine.decide('pacman -S vim', CTX).decision).toBe('require_approval');
    expect(engine.decide('curl x', CTX).decision).toBe('deny');
  });

  it('points a bad pattern at its index in the file, not in the merged list', async () => {
    const { engine } = await engineFor('[permissions]\ndeny = [\n  "curl*",\n  "rm $(whoami)",\n]\n');
    expect(engine.problems[0]).toMatchObject({ key: 'permissions.deny[1]', line: 4 });
    // The fallback is at least as strict as the floor.
    expect(engine.decide('rm -rf /', CTX).decision).toBe('deny');
    expect(engine.decide('ls', CTX).decision).toBe('require_approval');
  });
});
