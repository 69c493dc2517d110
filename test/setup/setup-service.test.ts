import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatchCall } from '../../src/core/bridge/dispatch';
import { defaultPaths } from '../../src/core/config/paths';
import { Core } from '../../src/core/core';
import { ensureConfigFile, loadConfigForHost, shippedConfigTemplate, writeFileAtomic } from '../../src/core/setup/config-file';
import { probeProvider } from '../../src/core/setup/provider-probe';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { isolatedEnv, makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
let env: Record<string, string>;
const closers: Array<() => Promise<void> | void> = [];

beforeEach(() => {
  tmp = makeTempDir('aios-setup-');
  env = isolatedEnv(tmp.path);
});
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  tmp.cleanup();
});

async function call(core: Core, name: string, req: unknown) {
  return dispatchCall(core.handlers, name, req, { clientId: 'test' });
}

/** A server that closes at once: the address of nothing. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** An OpenAI-compatible stand-in that answers /models with 401, as a server with a wrong key does. */
async function refusingServer(): Promise<string> {
  const s = http.createServer((_req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"bad key"}}');
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => s.close(() => r())));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`;
}

describe('first start', () => {
  it('writes the shipped, commented config.toml once, 0600, and never overwrites', () => {
    const file = defaultPaths(env).configFile;
    const { loaded, firstRun } = loadConfigForHost(env);
    expect(firstRun).toEqual({ kind: 'written', file });
    expect(fs.readFileSync(file, 'utf8')).toBe(fs.readFileSync(shippedConfigTemplate(), 'utf8'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loaded).toMatchObject({ file, exists: true, problems: [] });
    fs.writeFileSync(file, '# mine\n');
    expect(ensureConfigFile(file)).toEqual({ kind: 'exists' });
    expect(fs.readFileSync(file, 'utf8')).toBe('# mine\n');
  });

  it('writes nothing for an explicit --config, and says why it could not write', () => {
    const explicit = tmp.join('other.toml');
    expect(loadConfigForHost(env, explicit).firstRun).toEqual({ kind: 'exists' });
    expect(fs.existsSync(defaultPaths(env).configFile)).toBe(false);
    fs.writeFileSync(tmp.join('blocker'), '');
    const r = ensureConfigFile(tmp.join('blocker', 'config.toml'));
    expect(r).toMatchObject({ kind: 'failed', message: expect.stringMatching(/is a file, not a folder|ENOTDIR/) });
  });

  it('replaces a file atomically, keeping its mode and writing through a symlink', () => {
    const real = tmp.join('real.toml');
    fs.writeFileSync(real, 'old', { mode: 0o640 });
    fs.chmodSync(real, 0o640);
    const link = tmp.join('config.toml');
    fs.symlinkSync(real, link);
    writeFileAtomic(link, 'new');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(real, 'utf8')).toBe('new');
    expect(fs.statSync(real).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(tmp.path).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('probeProvider: "test connection"', () => {
  let llm: LlmServer;
  beforeEach(async () => {
    llm = await startLlmServer();
    closers.push(() => llm.close());
  });

  it('lists the models of a working server', async () => {
    expect(await probeProvider({ baseUrl: llm.baseUrl, apiKey: undefined, apiKeyEnv: 'OPENAI_API_KEY' })).toEqual({
      ok: true,
      url: `${llm.baseUrl}/models`,
      models: ['scripted'],
    });
  });

  it('says in words what is wrong: nothing listening, a refused key, a missing key, not a URL', async () => {
    const port = await closedPort();
    const refused = await probeProvider({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: undefined, apiKeyEnv: 'OPENAI_API_KEY' });
    expect(refused).toMatchObject({ ok: false, message: `nothing is listening at 127.0.0.1:${port}: is the server running?` });
    const url = await refusingServer();
    expect(await probeProvider({ baseUrl: url, apiKey: 'sk-wrong', apiKeyEnv: 'MY_API_KEY' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('refused the key in MY_API_KEY (401)'),
    });
    expect(await probeProvider({ baseUrl: url, apiKey: undefined, apiKeyEnv: 'MY_API_KEY' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('set the environment variable MY_API_KEY'),
    });
    expect(await probeProvider({ baseUrl: 'ftp://x/v1', apiKey: undefined, apiKeyEnv: 'MY_API_KEY' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('http:// or https://'),
    });
  });
});

describe('setup.* through the bridge', () => {
  async function startCore(extraEnv: Record<string, string> = {}, ollamaUrl?: string): Promise<Core> {
    const port = await closedPort();
    const e = { ...env, ...extraEnv };
    const { loaded } = loadConfigForHost(e);
    const core = new Core({
      host: 'web',
      env: e,
      config: loaded,
      mcp: false,
      chat: { ollamaUrl: ollamaUrl ?? `http://127.0.0.1:${port}` },
    });
    closers.push(() => core.close());
    return core;
  }

  it('saves the provider into config.toml, keeps the comments, and the next turn talks to it', async () => {
    const llm = await startLlmServer([{ text: 'hello from the new provider' }]);
    closers.push(() => llm.close());
    const core = await startCore();
    const before = await call(core, 'setup.state', {});
    expect(before).toMatchObject({
      ok: true,
      value: {
        config: { exists: true, problems: [], safeFallback: false },
        ai: { baseUrl: null, model: null, apiKeyEnv: 'OPENAI_API_KEY', keySet: false },
        ollama: null,
      },
    });
    const status = await call(core, 'app.status', {});
    expect(status).toMatchObject({ ok: true, value: { provider: null } });

    const tested = await call(core, 'setup.testProvider', { baseUrl: llm.baseUrl, apiKeyEnv: 'OPENAI_API_KEY' });
    expect(tested).toEqual({ ok: true, value: { ok: true, url: `${llm.baseUrl}/models`, models: ['scripted'] } });
    const saved = await call(core, 'setup.saveProvider', { baseUrl: llm.baseUrl, model: 'scripted', apiKeyEnv: 'OPENAI_API_KEY' });
    expect(saved).toEqual({ ok: true, value: { file: core.config.file, provider: `scripted @ ${llm.baseUrl}`, problem: null } });
    const text = fs.readFileSync(core.config.file, 'utf8');
    expect(text).toContain('# The model aios talks to');
    expect(text).toContain(`base_url = "${llm.baseUrl}"`);

    const done = new Promise<void>((resolve) => core.events.on('chat.turnDone', () => resolve()));
    const deltas: string[] = [];
    core.events.on('chat.delta', (p) => deltas.push(p.text));
    expect(await call(core, 'chat.send', { text: 'hi' })).toMatchObject({ ok: true });
    await done;
    expect(deltas.join('')).toBe('hello from the new provider');
    expect(llm.requests).toHaveLength(1);
  });

  it('refuses a key variable that is not an *API_KEY name, so no other secret can be sent', async () => {
    const core = await startCore({ AWS_SECRET_ACCESS_KEY: 'secret' });
    const r = await call(core, 'setup.testProvider', { baseUrl: 'http://127.0.0.1:9/v1', apiKeyEnv: 'AWS_SECRET_ACCESS_KEY' });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('ending in API_KEY') } });
  });

  it('offers a local Ollama with its models', async () => {
    const ollama = http.createServer((req, res) => {
      res.writeHead(req.url === '/api/tags' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ models: [{ name: 'qwen2.5:7b' }, { name: 'llama3.2:3b' }] }));
    });
    await new Promise<void>((r) => ollama.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => ollama.close(() => r())));
    const url = `http://127.0.0.1:${(ollama.address() as AddressInfo).port}`;
    const core = await startCore({}, url);
    expect(await call(core, 'setup.state', {})).toMatchObject({
      ok: true,
      value: { ollama: { url, baseUrl: `${url}/v1`, models: ['qwen2.5:7b', 'llama3.2:3b'] } },
    });
  });

  it('reports a malformed config in app.status with file, line and column, and refuses to edit it', async () => {
    const file = defaultPaths(env).configFile;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '[ai]\nmodel = "unterminated\n');
    const core = await startCore();
    const status = await call(core, 'app.status', {});
    expect(status).toMatchObject({ ok: true, value: { config: { file, safeFallback: true, problems: [{ file, line: 2 }] } } });
    const saved = await call(core, 'setup.saveProvider', { model: 'm', apiKeyEnv: 'OPENAI_API_KEY' });
    expect(saved).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', message: expect.stringContaining(`${file} is not valid TOML`) },
    });
    expect(fs.readFileSync(file, 'utf8')).toBe('[ai]\nmodel = "unterminated\n');
  });
});
