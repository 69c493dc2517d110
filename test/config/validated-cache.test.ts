import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/load';
import { loadConfigCached, ValidatedConfigCache } from '../../src/core/config/validated-cache';
import { SHIPPED_CONFIG, tempDir } from '../support/policy';

/**
 * `aios policy check` takes config.toml's validation from the cache folder
 * when the file's text was validated before. It must give what `loadConfig`
 * gives, and any change of the text must be validated anew.
 */

let tmp: { dir: string; cleanup: () => void };
let cacheDir: string;
let env: Record<string, string>;
beforeEach(() => {
  tmp = tempDir('aios-config-cache-');
  cacheDir = path.join(tmp.dir, 'cache', 'aios');
  env = { HOME: tmp.dir, AIOS_CONFIG_DIR: path.join(tmp.dir, 'config') };
});
afterEach(() => tmp.cleanup());

const CODE = 'test-code';
const cacheFile = () => path.join(cacheDir, 'config-validated.json');
const open = (code = CODE) => ValidatedConfigCache.open(cacheDir, code);

function write(text: string, name = 'config.toml'): string {
  const file = path.join(tmp.dir, 'config', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const TEXTS: Record<string, string> = {
  'valid, own rules and a profile': [
    '[permissions]',
    'auto_allow = ["make test"]',
    'deny = ["curl *"]',
    'protected_paths = ["~/secret"]',
    '[profiles.prod.permissions]',
    'require_approval = ["git push*"]',
    '[ai]',
    'model = "m"',
  ].join('\n'),
  'broken TOML': '[permissions\nauto_allow = ["ls"]\n',
  'a wrong value': '[permissions]\ndeny = [1]\n[ui]\nfont_size = 3\n',
  'unknown keys and sections': '[permisions]\ndeny = ["x"]\n[ui]\nthem = "dark"\n',
  'not a table of tables': 'permissions = 3\n',
  'the shipped config': fs.readFileSync(SHIPPED_CONFIG, 'utf8'),
};

describe('loadConfigCached', () => {
  for (const [name, text] of Object.entries(TEXTS)) {
    it(`gives what loadConfig gives, validated and then from the cache: ${name}`, async () => {
      const file = write(text);
      const expected = loadConfig({ env });
      const first = await loadConfigCached({ env }, open());
      expect(first).toStrictEqual(expected);
      // Kept (it reads back from JSON as itself), so the second load below is a hit.
      const kept = JSON.parse(fs.readFileSync(cacheFile(), 'utf8')) as { files: Record<string, unknown> };
      expect(kept.files[file]).toBeDefined();
      // A new process: the cache read back from disk.
      const second = await loadConfigCached({ env }, open());
      expect(second).toStrictEqual(expected);
      expect(await loadConfigCached({ file, env }, open())).toStrictEqual(loadConfig({ file, env }));
    });
  }

  it('gives the defaults for a missing config.toml, and a problem for a missing --config file', async () => {
    for (let i = 0; i < 2; i++) {
      expect(await loadConfigCached({ env }, open())).toStrictEqual(loadConfig({ env }));
      expect((JSON.parse(fs.readFileSync(cacheFile(), 'utf8')) as { defaults?: unknown }).defaults).toBeDefined();
      const missing = path.join(tmp.dir, 'nowhere.toml');
      expect(await loadConfigCached({ file: missing, env }, open())).toStrictEqual(loadConfig({ file: missing, env }));
    }
  });

  it('takes the validation from the cache while the text is the same, and validates again once it changes', async () => {
    const file = write('[permissions]\ndeny = ["aaaa"]\n');
    await loadConfigCached({ env }, open());
    // Mark the cached validation, so a hit can be told from a fresh one.
    const data = JSON.parse(fs.readFileSync(cacheFile(), 'utf8')) as {
      files: Record<string, { parsed: { config: { permissions: { deny: string[] } } } }>;
    };
    const entry = data.files[file];
    expect(entry).toBeDefined();
    entry!.parsed.config.permissions.deny = ['from the cache'];
    fs.writeFileSync(cacheFile(), JSON.stringify(data));
    const hit = await loadConfigCached({ env }, open());
    expect(hit.config.permissions.deny).toContain('from the cache');

    // Same size, same modification time, other text: validated again.
    const { mtime } = fs.statSync(file);
    fs.writeFileSync(file, '[permissions]\ndeny = ["bbbb"]\n');
    fs.utimesSync(file, mtime, mtime);
    const changed = await loadConfigCached({ env }, open());
    expect(changed.config.permissions.deny).toContain('bbbb');
    expect(changed.config.permissions.deny).not.toContain('from the cache');
    expect(changed).toStrictEqual(loadConfig({ env }));

    // An edit that breaks the file is seen too: the safe fallback, with the problem.
    fs.writeFileSync(file, '[permissions]\ndeny = [\n');
    const broken = await loadConfigCached({ env }, open());
    expect(broken.problems.length).toBeGreaterThan(0);
    expect(broken).toStrictEqual(loadConfig({ env }));
  });

  it('ignores a cache written by other code, and one that does not read back', async () => {
    write('[permissions]\ndeny = ["aaaa"]\n');
    await loadConfigCached({ env }, open('other-code'));
    const data = JSON.parse(fs.readFileSync(cacheFile(), 'utf8')) as {
      files: Record<string, { parsed: { config: { permissions: { deny: string[] } } } }>;
    };
    for (const e of Object.values(data.files)) e.parsed.config.permissions.deny = ['from the cache'];
    fs.writeFileSync(cacheFile(), JSON.stringify(data));
    const other = await loadConfigCached({ env }, open());
    expect(other.config.permissions.deny).not.toContain('from the cache');
    expect(other).toStrictEqual(loadConfig({ env }));

    for (const junk of ['{', 'null', '{"code":"test-code","files":{"x":{"text":1}}}', '{"code":"test-code","files":{},"defaults":[]}']) {
      fs.writeFileSync(cacheFile(), junk);
      expect(await loadConfigCached({ env }, open())).toStrictEqual(loadConfig({ env }));
    }
  });

  it('keeps the cache file private to its owner', async () => {
    write('[ui]\ntheme = "dark"\n');
    await loadConfigCached({ env }, open());
    expect(fs.statSync(cacheFile()).mode & 0o777).toBe(0o600);
  });
});
