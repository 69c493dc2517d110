import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchCall } from '../../src/core/bridge/dispatch';
import { Core } from '../../src/core/core';
import { makeDirs } from './harness';

/** app.status tells the status bar where the permission rules come from. */

const cores: Core[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function statusWith(toml: string): Promise<Record<string, unknown>> {
  const { dir, env } = makeDirs();
  dirs.push(dir);
  fs.writeFileSync(path.join(env.AIOS_CONFIG_DIR!, 'config.toml'), toml);
  const core = new Core({ host: 'web', env, cwd: path.join(dir, 'work'), mcp: false, chat: { ollamaUrl: 'http://127.0.0.1:9' } });
  cores.push(core);
  const r = await dispatchCall(core.handlers, 'app.status', {}, { clientId: 'test' });
  if (!r.ok) throw new Error(r.error.message);
  return r.value as Record<string, unknown>;
}

describe('app.status policy', () => {
  it('is the shipped floor for a config with only [ai]', async () => {
    expect((await statusWith('[ai]\nmodel = "x"\n')).policy).toEqual({ shipped: 'floor', fallback: false, profile: null });
  });

  it('says when replace_shipped drops the shipped rules', async () => {
    expect((await statusWith('[permissions]\nreplace_shipped = true\n')).policy).toMatchObject({ shipped: 'replaced', fallback: false });
  });

  it('says when the policy runs on the safe fallback', async () => {
    expect((await statusWith('[permissions]\ndeny = ["rm $(x)"]\n')).policy).toMatchObject({ fallback: true });
  });
});
