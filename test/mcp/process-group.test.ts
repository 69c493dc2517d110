import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McpManager } from '../../src/core/mcp';
import { ProcessGroupStdioTransport } from '../../src/core/mcp/process-group-transport';
import { childEnv } from '../../src/core/mcp/server-connection';
import { cliEntry, collect, isAlive, livingGroupMembers, projectPath, repoRoot } from '../support/process';
import { isolatedEnv, makeTempDir, waitFor, type TempDir } from '../support/temp';

/**
 * A real MCP server that ignores SIGTERM and the end of its stdin and has a
 * helper holding its pipes (test/support/stubborn-mcp-server.ts). Stopping it
 * must end the whole process group, in bounded time, and let aios exit.
 */

const STUBBORN = path.join(repoRoot, 'test', 'support', 'stubborn-mcp-server.ts');

let tmp: TempDir;
let env: Record<string, string>;
/** Server and helper pids seen, so a failed test still ends them. */
const started: number[] = [];
beforeEach(() => {
  tmp = makeTempDir('aios-mcp-pgroup-');
  env = isolatedEnv(tmp.path, { PATH: projectPath('/usr/bin:/bin'), OLLAMA_HOST: '127.0.0.1:9' });
});
afterEach(() => {
  // Whatever a failed test left behind is ended here, by its group and by pid.
  for (const pid of started.splice(0)) {
    for (const member of livingGroupMembers(pid)) process.kill(member, 'SIGKILL');
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  tmp.cleanup();
});

const pidsFile = (): string => tmp.join('pids');
async function readPids(): Promise<{ server: number; helper: number }> {
  await waitFor(() => fs.existsSync(pidsFile()) && fs.readFileSync(pidsFile(), 'utf8').endsWith('\n'), 10_000, 'the server wrote its pids');
  const [server, helper] = fs.readFileSync(pidsFile(), 'utf8').trim().split(' ').map(Number) as [number, number];
  started.push(server, helper);
  return { server, helper };
}

const stubbornEntry = () => ({
  command: process.execPath,
  args: ['--import', 'tsx', STUBBORN],
  cwd: repoRoot,
  env: { PIDS_FILE: pidsFile() },
});

describe('ProcessGroupStdioTransport', () => {
  it('ends a server that ignores SIGTERM and its helper holding the pipes, then reports closed', async () => {
    const transport = new ProcessGroupStdioTransport({ ...stubbornEntry(), env: childEnv(env, { PIDS_FILE: pidsFile() }), graceMs: 300 });
    const client = new Client({ name: 'test', version: '0' }, { capabilities: {} });
    let closed = false;
    client.onclose = () => (closed = true);
    await client.connect(transport);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['ping']);
    const { server, helper } = await readPids();
    expect(transport.pid).toBe(server);
    expect(livingGroupMembers(server)).toEqual(expect.arrayContaining([server, helper]));

    await client.close();
    expect(closed).toBe(true);
    await waitFor(() => livingGroupMembers(server).length === 0, 2000, 'the whole group gone');
    expect(isAlive(helper) && livingGroupMembers(server).includes(helper)).toBe(false);
  });

  it('when the server dies on its own, its helper is ended too and the manager notices at once', async () => {
    fs.writeFileSync(tmp.join('mcp.json'), JSON.stringify({ mcpServers: { stubborn: stubbornEntry() } }));
    const manager = new McpManager({
      configFile: tmp.join('mcp.json'),
      env,
      log: () => undefined,
      builtinMemory: { dbPath: tmp.join('m.db') },
      backoff: { initialMs: 60_000, maxMs: 60_000, maxAttempts: 1 },
    });
    try {
      await manager.listTools();
      const { server, helper } = await readPids();
      process.kill(server, 'SIGKILL');
      // The helper still holds stdout: only the exit, not the pipe's end, can tell.
      await waitFor(() => manager.status()[0]?.state !== 'ready', 10_000, 'the manager saw the crash');
      expect(manager.status()[0]?.lastError).toMatch(/exited unexpectedly/);
      await waitFor(() => livingGroupMembers(server).length === 0, 10_000, 'the helper gone');
      expect(livingGroupMembers(server)).not.toContain(helper);
    } finally {
      await manager.close();
    }
  });
});

describe('aios doctor with a server that will not stop', () => {
  it('ends, says the server was ready, and leaves nothing of its group running', async () => {
    fs.mkdirSync(env.AIOS_CONFIG_DIR!, { recursive: true });
    fs.writeFileSync(path.join(env.AIOS_CONFIG_DIR!, 'mcp.json'), JSON.stringify({ mcpServers: { stubborn: stubbornEntry() } }));
    const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, 'doctor'], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 40_000);
    const r = await collect(child);
    clearTimeout(guard);
    expect(r.signal).toBeNull();
    expect(r.stdout).toMatch(/stubborn +ready \(stdio\), 1 tools/);
    const { server, helper } = await readPids();
    expect(livingGroupMembers(server)).toEqual([]);
    expect(livingGroupMembers(server)).not.toContain(helper);
  }, 60_000);
});
