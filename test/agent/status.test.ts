import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchCall } from '../../src/core/bridge/dispatch';
import { Core } from '../../src/core/core';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { makeDirs, startHarness, writeConfig, type Harness } from './harness';

let server: LlmServer | undefined;
let h: Harness | undefined;
const cores: Core[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await h?.close();
  h = undefined;
  await server?.close();
  server = undefined;
  for (const c of cores.splice(0)) await c.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function call(core: Core, name: string, req: unknown) {
  const r = await dispatchCall(core.handlers, name, req, { clientId: 'test' });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as Record<string, unknown>;
}

describe('app.status: what the status bar shows', () => {
  it('reports the provider, the memory file with its row count, and no MCP servers when MCP is off', async () => {
    server = await startLlmServer();
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists: { auto_allow: ['echo*'] } });
    // Before the first chat call the status does not open the memory file: no rows to count yet.
    const unopened = await call(h.core, 'app.status', {});
    expect(unopened.memory).toMatchObject({ kind: 'builtin', rows: null, problem: null });
    expect(h.core.chat.opened).toBeUndefined();
    await call(h.core, 'chat.state', {});
    const before = await call(h.core, 'app.status', {});
    expect(before).toMatchObject({ provider: expect.stringContaining('scripted'), problem: null, busy: false, mcp: [] });
    expect(before.memory).toMatchObject({ kind: 'builtin', rows: 0, problem: null });
    expect((before.memory as { path: string }).path).toBe(h.core.config.paths.memoryDb);

    h.core.chat.open().memory!.create('the kiosk is in the kitchen');
    const after = await call(h.core, 'app.status', {});
    expect(after.memory).toMatchObject({ rows: 1 });
  });

  it('says what is missing when no provider is configured', async () => {
    const { dir, env } = makeDirs();
    dirs.push(dir);
    writeConfig(env, {});
    const core = new Core({ host: 'web', env, mcp: false, chat: { ollamaUrl: 'http://127.0.0.1:9' } });
    cores.push(core);
    const s = await call(core, 'app.status', {});
    expect(s.provider).toBeNull();
    expect(String(s.problem)).toMatch(/OPENAI_API_KEY|base_url|provider/);
  });

  it('lists each server of mcp.json with its state without starting any, and says the built-in store stands in for a missing aigpt', async () => {
    const { dir, env } = makeDirs();
    dirs.push(dir);
    writeConfig(env, {});
    fs.writeFileSync(
      path.join(env.AIOS_CONFIG_DIR!, 'mcp.json'),
      JSON.stringify({
        mcpServers: {
          aigpt: { command: 'aigpt', args: ['server'] },
          off: { command: 'true', disabled: true },
          broken: { url: 'not a url' },
        },
      }),
    );
    const core = new Core({ host: 'web', env: { ...env, PATH: '/nonexistent' }, chat: { ollamaUrl: 'http://127.0.0.1:9' } });
    cores.push(core);
    const s = await call(core, 'app.status', {});
    const mcp = s.mcp as Array<{ name: string; state: string; detail: string | null }>;
    expect(mcp.map((m) => [m.name, m.state])).toEqual([
      ['aigpt', 'idle'],
      ['off', 'disabled'],
      ['broken', 'misconfigured'],
    ]);
    expect(mcp.find((m) => m.name === 'broken')!.detail).toBeTruthy();
    expect(s.memory).toMatchObject({ kind: 'builtin' });
  });

  it('reports aigpt as the memory server when mcp.json runs it and it is installed', async () => {
    const { dir, env } = makeDirs();
    dirs.push(dir);
    writeConfig(env, {});
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'aigpt'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    fs.writeFileSync(
      path.join(env.AIOS_CONFIG_DIR!, 'mcp.json'),
      JSON.stringify({ mcpServers: { aigpt: { command: 'aigpt', args: ['server'] } } }),
    );
    const core = new Core({ host: 'web', env: { ...env, PATH: bin }, chat: { ollamaUrl: 'http://127.0.0.1:9' } });
    cores.push(core);
    const s = await call(core, 'app.status', {});
    expect(s.memory).toMatchObject({ kind: 'aigpt' });
    expect((s.mcp as Array<{ state: string }>)[0]!.state).toBe('idle');
  });

  it('reports the memory as off, with the reason, when the file cannot be used', async () => {
    const { dir, env } = makeDirs();
    dirs.push(dir);
    writeConfig(env, {});
    const core = new Core({ host: 'web', env, mcp: false, chat: { ollamaUrl: 'http://127.0.0.1:9' } });
    cores.push(core);
    // A directory where the file should be: SQLite cannot open it, and nothing is reset.
    fs.mkdirSync(core.config.paths.memoryDb, { recursive: true });
    await call(core, 'chat.state', {});
    const s = await call(core, 'app.status', {});
    expect(s.memory).toMatchObject({ kind: 'off', rows: null });
    expect(String((s.memory as { problem: string }).problem)).not.toBe('');
    expect(fs.statSync(core.config.paths.memoryDb).isDirectory()).toBe(true);
    expect(await call(core, 'memory.list', {})).toMatchObject({ problem: expect.stringContaining('memory is off'), items: [] });
  });
});

describe('memory.list and commandLog.list: /memory and /history in a UI', () => {
  it('lists and searches memories, and lists the commands that ran', async () => {
    server = await startLlmServer();
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists: { auto_allow: ['echo*'], deny: ['rm *'] } });
    const m = h.core.chat.open().memory!;
    m.create('the printer is on the second floor');
    m.create('coffee machine needs descaling');
    const all = (await call(h.core, 'memory.list', {})) as { items: Array<{ content: string }> };
    expect(all.items.map((i) => i.content).sort()).toEqual(['coffee machine needs descaling', 'the printer is on the second floor']);
    const found = (await call(h.core, 'memory.list', { query: 'printer' })) as { items: Array<{ content: string }> };
    expect(found.items.map((i) => i.content)).toEqual(['the printer is on the second floor']);

    await h.call('chat.run', { command: 'echo listed-one' });
    await h.call('chat.run', { command: 'rm -f nothing' });
    const history = (await call(h.core, 'commandLog.list', {})) as {
      problem: null;
      items: Array<{ command: string; decision: string; exitCode: number | null }>;
    };
    expect(history.items.map((i) => [i.command, i.decision])).toEqual([
      ['rm -f nothing', 'deny'],
      ['echo listed-one', 'auto_allow'],
    ]);
    expect(history.items[1]!.exitCode).toBe(0);
    const searched = (await call(h.core, 'commandLog.list', { query: 'listed-one' })) as { items: Array<{ command: string }> };
    expect(searched.items.map((i) => i.command)).toEqual(['echo listed-one']);
  });

  it('refuses a malformed request', async () => {
    server = await startLlmServer();
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists: {} });
    const r = await dispatchCall(h.core.handlers, 'memory.list', { limit: 0 }, { clientId: 't' });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    const extra = await dispatchCall(h.core.handlers, 'commandLog.list', { sql: 'drop table' }, { clientId: 't' });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });
});
