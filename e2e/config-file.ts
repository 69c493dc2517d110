/**
 * Writes the config.toml of a throwaway home: `[ai]` pointing at a scripted
 * model server (or no `[ai]` at all) and explicit `[permissions]` lists, so a
 * test never depends on the shipped defaults.
 */
import fs from 'node:fs';
import path from 'node:path';

export type Decision = 'auto_allow' | 'notify' | 'require_approval' | 'deny';
export type PermissionLists = Partial<Record<Decision, string[]>>;
export type AiSettings = Record<string, string | number>;

export function configDirOf(home: string): string {
  return path.join(home, '.config', 'syui', 'ai');
}

export function configFileOf(home: string): string {
  return path.join(configDirOf(home), 'config.toml');
}

function tomlValue(v: string | number | string[]): string {
  // JSON strings and arrays of strings are valid TOML basic strings and arrays.
  return typeof v === 'number' ? String(v) : JSON.stringify(v);
}

/** Writes `<home>/.config/syui/ai/config.toml`; every list is written, empty ones too. */
export function writeConfig(home: string, opts: { ai?: AiSettings; ui?: AiSettings; permissions: PermissionLists }): string {
  const file = configFileOf(home);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lines: string[] = [];
  if (opts.ai) {
    lines.push('[ai]', ...Object.entries(opts.ai).map(([k, v]) => `${k} = ${tomlValue(v)}`), '');
  }
  if (opts.ui) lines.push('[ui]', ...Object.entries(opts.ui).map(([k, v]) => `${k} = ${tomlValue(v)}`), '');
  lines.push('[permissions]');
  for (const d of ['auto_allow', 'notify', 'require_approval', 'deny'] as const)
    lines.push(`${d} = ${tomlValue(opts.permissions[d] ?? [])}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
