import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../src/core/config/load';
import { makeDirs, startHarness, type Harness } from '../agent/harness';
import { startLlmServer, type LlmServer } from '../support/llm-server';

let server: LlmServer | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await server?.close();
  h = server = undefined;
});

describe('config.toml section by section', () => {
  it('an unknown key is a warning naming the closest known key; [ai] is kept', () => {
    const r = parseConfigText(
      '[ai]\nbase_url = "http://127.0.0.1:1/v1"\nmodel = "m"\nrequest_timeot_s = 5\n\n[ui]\nfont_sise = 12\n',
      'c.toml',
    );
    expect(r.problems).toEqual([]);
    expect(r.config?.ai.base_url).toBe('http://127.0.0.1:1/v1');
    expect(r.warnings).toContainEqual(
      expect.objectContaining({ key: 'ai.request_timeot_s', line: 4, message: 'unknown key, ignored (did you mean request_timeout_s?)' }),
    );
    expect(r.warnings).toContainEqual(
      expect.objectContaining({ key: 'ui.font_sise', message: expect.stringContaining('did you mean font_size?') }),
    );
  });

  it('a typo in [permissions] says the key it meant, and costs only the policy, not [ai]', () => {
    const r = parseConfigText(
      '[ai]\nbase_url = "http://127.0.0.1:1/v1"\nmodel = "m"\n\n[permissions]\nrequre_approval = ["rm*"]\n',
      'c.toml',
    );
    expect(r.problems).toEqual([
      expect.objectContaining({ key: 'permissions.requre_approval', message: 'unknown key (did you mean require_approval?)' }),
    ]);
    expect(r.config?.ai).toMatchObject({ base_url: 'http://127.0.0.1:1/v1', model: 'm' });
  });

  it("a wrong type in one key takes that key's default and keeps the rest of its section", () => {
    const r = parseConfigText('[ai]\nbase_url = "http://127.0.0.1:1/v1"\nmodel = "m"\nmax_tool_rounds = "many"\n', 'c.toml');
    expect(r.problems).toEqual([expect.objectContaining({ key: 'ai.max_tool_rounds' })]);
    expect(r.config?.ai).toMatchObject({ base_url: 'http://127.0.0.1:1/v1', model: 'm', max_tool_rounds: 8 });
  });

  it('a wrong type in [permissions]: the safe policy is in force and the provider still answers', async () => {
    server = await startLlmServer();
    const dirs = makeDirs();
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists: {}, dirs });
    fs.writeFileSync(
      path.join(dirs.env.AIOS_CONFIG_DIR!, 'config.toml'),
      `[ai]\nbase_url = "${server.baseUrl}"\nmodel = "scripted"\n\n[permissions]\ndeny = "rm -rf /"\n`,
    );
    await h.restart();
    expect(loadConfig({ env: dirs.env }).problems.map((p) => p.key)).toEqual(['permissions.deny']);
    server.push({ text: 'still here' });
    const t = await h.turn('hello');
    expect(t.text).toBe('still here');
    const status = (await h.call('app.status', {})) as { policy: { fallback: boolean }; provider: string | null };
    expect(status.provider).toMatch(/scripted/);
    expect(status.policy.fallback).toBe(true);
  });

  it('a huge config does not make every request huge: the policy summary in the prompt is capped', async () => {
    server = await startLlmServer();
    const dirs = makeDirs();
    const rules = Array.from({ length: 20_000 }, (_, i) => `"frobnicate-tool-number-${i} --with-a-long-option *"`);
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists: {}, dirs });
    fs.writeFileSync(
      path.join(dirs.env.AIOS_CONFIG_DIR!, 'config.toml'),
      `[ai]\nbase_url = "${server.baseUrl}"\nmodel = "scripted"\n\n[permissions]\nrequire_approval = [${rules.join(',')}]\n`,
    );
    expect(fs.statSync(path.join(dirs.env.AIOS_CONFIG_DIR!, 'config.toml')).size).toBeGreaterThan(1_000_000);
    await h.restart();
    server.push({ text: 'ok' });
    await h.turn('hello');
    const system = String(server.requests[0]!.body.messages[0]!.content);
    expect(system.length).toBeLessThan(20_000);
    expect(system).toMatch(/more characters of rules not shown/);
  }, 120_000);
});
