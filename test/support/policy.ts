import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/core/config/load';
import { PolicyEngine, type PolicyEngineOptions } from '../../src/core/policy';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const SHIPPED_CONFIG = path.join(REPO_ROOT, 'cfg', 'config.toml');

/** The context most policy tests judge in. */
export const CTX = { cwd: '/home/me/project', home: '/home/me' } as const;

/** A temp dir removed by the returned cleanup. */
export function tempDir(prefix = 'aios-policy-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** An engine over the shipped cfg/config.toml. */
export async function shippedEngine(opts: Omit<PolicyEngineOptions, 'config'> = {}): Promise<PolicyEngine> {
  return PolicyEngine.create({ config: loadConfig({ file: SHIPPED_CONFIG }), hostname: 'test-host', ...opts });
}

/** Writes `toml` to a temp config.toml and builds an engine from it. */
export async function engineFromToml(
  toml: string,
  opts: Omit<PolicyEngineOptions, 'config'> = {},
): Promise<{ engine: PolicyEngine; file: string }> {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, toml);
    const engine = await PolicyEngine.create({ config: loadConfig({ file }), hostname: 'test-host', ...opts });
    return { engine, file };
  } finally {
    cleanup();
  }
}
