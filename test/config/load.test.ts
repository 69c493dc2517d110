import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PERMISSIONS, DEFAULT_PROFILES } from '../../src/core/config/defaults';
import { formatProblem, loadConfig, parseConfigText } from '../../src/core/config/load';
import { SHIPPED_CONFIG, tempDir } from '../support/policy';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = tempDir('aios-config-');
});
afterEach(() => tmp.cleanup());

function write(name: string, text: string): string {
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('the shipped cfg/config.toml', () => {
  it('parses to exactly DEFAULT_PERMISSIONS and DEFAULT_PROFILES, without problems', () => {
    const loaded = loadConfig({ file: SHIPPED_CONFIG, env: { HOME: tmp.dir, AIOS_CONFIG_DIR: tmp.dir } });
    expect(loaded.problems).toEqual([]);
    expect(loaded.config.permissions).toEqual(DEFAULT_PERMISSIONS);
    expect(loaded.config.general.name).toBe('aios');
    expect(loaded.config.profiles).toEqual(DEFAULT_PROFILES);
  });
});

describe('loadConfig', () => {
  it('uses the defaults without problems when there is no config.toml', () => {
    const loaded = loadConfig({ env: { HOME: tmp.dir, AIOS_CONFIG_DIR: tmp.dir } });
    expect(loaded.exists).toBe(false);
    expect(loaded.problems).toEqual([]);
    expect(loaded.file).toBe(path.join(tmp.dir, 'config.toml'));
    expect(loaded.config.permissions).toEqual(DEFAULT_PERMISSIONS);
  });

  it('reports a --config file that does not exist', () => {
    const file = path.join(tmp.dir, 'missing.toml');
    const loaded = loadConfig({ file, env: { HOME: tmp.dir } });
    expect(loaded.problems).toHaveLength(1);
    expect(loaded.problems[0]?.file).toBe(file);
    expect(loaded.problems[0]?.message).toMatch(/cannot read/);
  });

  it('names file, line and column of malformed TOML', () => {
    const file = write('config.toml', '[permissions]\nauto_allow = ["ls"]\ndeny = = ["x"]\n');
    const loaded = loadConfig({ file, env: { HOME: tmp.dir } });
    expect(loaded.problems).toHaveLength(1);
    const p = loaded.problems[0]!;
    expect(p).toMatchObject({ file, line: 3, column: 8 });
    expect(formatProblem(p)).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:8: `));
    // The fallback config is the defaults, flagged by the problem.
    expect(loaded.config.permissions).toEqual(DEFAULT_PERMISSIONS);
  });

  it('names file, line and column of an unknown key, one problem per key', () => {
    const text = '[general]\nname = "aios"\n\n[permissions]\nauto_allow = ["ls"]\n  requre_approval = ["rm*"]\nallow = []\n';
    const { problems } = parseConfigText(text, '/x/config.toml');
    expect(problems).toHaveLength(2);
    expect(problems).toContainEqual({
      file: '/x/config.toml',
      line: 6,
      column: 3,
      key: 'permissions.requre_approval',
      message: 'unknown key (did you mean require_approval?)',
    });
    expect(problems).toContainEqual({
      file: '/x/config.toml',
      line: 7,
      column: 1,
      key: 'permissions.allow',
      message: expect.stringMatching(/^unknown key/),
    });
  });

  it('locates unknown tables and keys in profiles', () => {
    const text = '[permisions]\nx = 1\n\n[profiles.prod.permissions]\ndeny = ["x"]\nnotfy = ["y"]\n';
    const { problems } = parseConfigText(text, 'c.toml');
    expect(problems).toContainEqual(
      expect.objectContaining({ key: 'permisions', line: 1, column: 1, message: 'unknown key (did you mean permissions?)' }),
    );
    expect(problems).toContainEqual(expect.objectContaining({ key: 'profiles.prod.permissions.notfy', line: 6, column: 1 }));
  });

  it('locates a value of the wrong type, down to the array element', () => {
    const text = '[permissions]\ndeny = [\n  "rm -rf /",\n  42,\n]\n';
    const { problems } = parseConfigText(text, 'c.toml');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ key: 'permissions.deny[1]', line: 4, column: 3 });
  });

  it('refuses auto_allow in a profile: a profile can only tighten', () => {
    const text = '[profiles.prod.permissions]\nauto_allow = ["rm -rf /"]\n';
    const { problems } = parseConfigText(text, 'c.toml');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ key: 'profiles.prod.permissions.auto_allow', line: 2, column: 1 });
    expect(problems[0]?.message).toMatch(/stricter/);
  });

  it('accepts profiles with notify, require_approval and deny', () => {
    const text =
      '[permissions]\nauto_allow = ["ls"]\n[profiles.aios-prod.permissions]\nrequire_approval = ["pacman -S*"]\ndeny = ["systemctl stop*"]\n';
    const { config, problems } = parseConfigText(text, 'c.toml');
    expect(problems).toEqual([]);
    expect(config?.profiles['aios-prod']?.permissions).toEqual({ require_approval: ['pacman -S*'], deny: ['systemctl stop*'] });
  });
});
