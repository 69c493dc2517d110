import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAsync } from '../support/process';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { isolatedEnv, makeTempDir, type TempDir } from '../support/temp';

/**
 * `aios doctor` asks the provider for <base_url>/models. The provider is the
 * scripted OpenAI-compatible server on 127.0.0.1 (the one stand-in: there is
 * no model here); the refused connection is a real closed port.
 */

let tmp: TempDir;
let env: Record<string, string>;
let llm: LlmServer | undefined;
beforeEach(() => {
  tmp = makeTempDir('aios-doctor-provider-');
  // No Ollama probe can reach a real one, and no MCP server is started.
  env = isolatedEnv(tmp.path, { OLLAMA_HOST: '127.0.0.1:9' });
  fs.mkdirSync(env.AIOS_CONFIG_DIR!, { recursive: true });
  fs.writeFileSync(path.join(env.AIOS_CONFIG_DIR!, 'mcp.json'), JSON.stringify({ mcpServers: {} }));
});
afterEach(async () => {
  await llm?.close();
  llm = undefined;
  tmp.cleanup();
});

function configure(baseUrl: string, model: string): string {
  const file = path.join(env.AIOS_CONFIG_DIR!, 'config.toml');
  fs.writeFileSync(file, `[ai]\nbase_url = "${baseUrl}"\nmodel = "${model}"\n`);
  return file;
}

/** A port on 127.0.0.1 that nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface ProviderReport {
  ok: boolean;
  configured: boolean;
  check?: { kind: string; status?: number; models?: string[] };
}

async function doctor(json: boolean): Promise<{ code: number | null; stdout: string; provider?: ProviderReport }> {
  const r = await runAsync(['doctor', ...(json ? ['--json'] : [])], env);
  const provider = json ? (JSON.parse(r.stdout) as { sections: { provider: ProviderReport } }).sections.provider : undefined;
  return { code: r.code, stdout: r.stdout, ...(provider ? { provider } : {}) };
}

describe('aios doctor checks the AI provider', () => {
  it('reports a server that answers and lists the configured model', async () => {
    llm = await startLlmServer();
    configure(llm.baseUrl, 'scripted');
    const j = await doctor(true);
    expect(j.code).toBe(0);
    expect(j.provider).toMatchObject({ ok: true, configured: true, check: { kind: 'ok', models: ['scripted'] } });
    const t = await doctor(false);
    expect(t.stdout).toMatch(/^provider ok$/m);
    expect(t.stdout).toContain(`answer       ${llm.baseUrl}/models lists 1 model`);
  });

  it('says when the model is not one the server offers, and which it does', async () => {
    llm = await startLlmServer();
    const file = configure(llm.baseUrl, 'llama-that-is-not-there');
    const t = await doctor(false);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/^provider NEEDS ATTENTION$/m);
    expect(t.stdout).toContain(
      `the model "llama-that-is-not-there" is not among them (scripted); set [ai] model in ${file} to one of them`,
    );
  });

  it('names the URL and the next step when the key is refused (401)', async () => {
    llm = await startLlmServer([], { models: { status: 401 } });
    configure(llm.baseUrl, 'scripted');
    env.OPENAI_API_KEY = 'sk-wrong';
    const t = await doctor(false);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain(
      `${llm.baseUrl}/models answered 401: the key was refused. Set OPENAI_API_KEY to a valid key for this server (it is set).`,
    );
    expect((await doctor(true)).provider).toMatchObject({ ok: false, check: { kind: 'unauthorized', status: 401 } });
  });

  it('names the URL and the next step when nothing listens there', async () => {
    const port = await closedPort();
    const file = configure(`http://127.0.0.1:${port}/v1`, 'scripted');
    const t = await doctor(false);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain(
      `cannot reach http://127.0.0.1:${port}/v1/models: connection refused (nothing listens there). Start the server, or fix [ai] base_url in ${file}.`,
    );
  });

  it('says how to configure one when there is none', async () => {
    const t = await doctor(false);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/^provider NEEDS ATTENTION\n {2}No AI provider is configured/m);
    expect(t.stdout).toContain('[ai] base_url = "http://host:port/v1"');
  });
});
