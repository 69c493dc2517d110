import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McpManager, McpServerError, type McpServerStatus } from '../../src/core/mcp';
import { openMemoryStore } from '../../src/core/memory';
import { isAlive, projectPath, repoRoot } from '../support/process';
import { isolatedEnv, makeTempDir, waitFor, type TempDir } from '../support/temp';

const FAKE = path.join(repoRoot, 'test', 'support', 'fake-mcp-server.ts');

let tmp: TempDir;
let manager: McpManager | undefined;
let logs: string[];
beforeEach(() => {
  tmp = makeTempDir('aios-mcpmgr-');
  logs = [];
});
afterEach(async () => {
  await manager?.close();
  manager = undefined;
  tmp.cleanup();
});

/** A stdio entry that runs the fake server with this Node and tsx's loader. */
const fakeEntry = (extraEnv: Record<string, string> = {}) => ({
  command: process.execPath,
  args: ['--import', 'tsx', FAKE],
  cwd: repoRoot,
  env: { START_LOG: tmp.join('starts.log'), FROM_CONFIG: '${TEST_TOKEN:-no token}', ...extraEnv },
});

function start(
  servers: Record<string, unknown>,
  opts: { env?: Record<string, string>; backoff?: { initialMs?: number; maxMs?: number; maxAttempts?: number } } = {},
): McpManager {
  const configFile = tmp.join('mcp.json');
  fs.writeFileSync(configFile, JSON.stringify({ mcpServers: servers }));
  const env = opts.env ?? isolatedEnv(tmp.path, { PATH: projectPath('/usr/bin:/bin'), TEST_TOKEN: 's3cret', NOT_PASSED: 'leak' });
  manager = new McpManager({
    configFile,
    env,
    log: (l) => logs.push(l),
    builtinMemory: { dbPath: tmp.join('memory.db') },
    backoff: { initialMs: 200, maxMs: 1000, maxAttempts: 3, ...opts.backoff },
  });
  return manager;
}

const starts = (): number =>
  fs.existsSync(tmp.join('starts.log')) ? fs.readFileSync(tmp.join('starts.log'), 'utf8').trim().split('\n').length : 0;
const statusOf = (m: McpManager, name: string): McpServerStatus => m.status().find((s) => s.name === name)!;
const textOf = (r: { content: unknown }): string => (r.content as { text: string }[])[0]!.text;

async function rejection(p: Promise<unknown>): Promise<McpServerError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(McpServerError);
    return err as McpServerError;
  }
  throw new Error('expected a rejection');
}

describe('McpManager with stdio servers', () => {
  it('starts nothing until a tool is wanted, then offers tools as server__tool', async () => {
    const m = start({ fake: fakeEntry() });
    expect(statusOf(m, 'fake').state).toBe('idle');
    await new Promise((r) => setTimeout(r, 300));
    expect(starts()).toBe(0);
    const tools = await m.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['fake__crash', 'fake__echo', 'fake__env', 'fake__slow']);
    expect(tools.find((t) => t.name === 'fake__echo')).toMatchObject({ server: 'fake', tool: 'echo', description: 'Echoes text' });
    expect(starts()).toBe(1);
    const s = statusOf(m, 'fake');
    expect(s).toMatchObject({ state: 'ready', transport: 'stdio', restarts: 0 });
    expect(s.pid).toBeGreaterThan(0);
    expect(textOf(await m.callTool('fake__echo', { text: 'hi' }))).toBe('hi');
    await m.listTools();
    expect(starts()).toBe(1);
  });

  it('reports every state change of a server (the status bar is pushed from it)', async () => {
    const configFile = tmp.join('mcp.json');
    fs.writeFileSync(configFile, JSON.stringify({ mcpServers: { fake: fakeEntry() } }));
    const seen: string[] = [];
    manager = new McpManager({
      configFile,
      env: isolatedEnv(tmp.path, { PATH: projectPath('/usr/bin:/bin') }),
      log: (l) => logs.push(l),
      builtinMemory: false,
      onChange: () => seen.push(statusOf(manager!, 'fake').state),
    });
    expect(seen).toEqual([]);
    await manager.listTools();
    expect(seen).toEqual(['starting', 'ready']);
    await manager.close();
    expect(seen.at(-1)).toBe('closed');
  });

  it('passes HOME, XDG_CONFIG_HOME and AIOS_CONFIG_DIR from its own env, expands ${VAR}, and nothing else leaks', async () => {
    const m = start({ fake: fakeEntry() });
    const env = JSON.parse(textOf(await m.callTool('fake__env', {}))) as Record<string, string | null>;
    expect(env).toEqual({
      HOME: tmp.path,
      XDG_CONFIG_HOME: path.join(tmp.path, '.config'),
      AIOS_CONFIG_DIR: path.join(tmp.path, '.config', 'syui', 'ai'),
      FROM_CONFIG: 's3cret',
      NOT_PASSED: null,
    });
  });

  it("captures the server's stderr", async () => {
    const m = start({ fake: fakeEntry() });
    await m.listTools();
    await waitFor(() => statusOf(m, 'fake').stderrTail.some((l) => l.startsWith('fake server starting')), 5000, 'stderr line');
    expect(logs.some((l) => /^mcp fake: fake server starting/.test(l))).toBe(true);
  });

  it('times out a slow call and can cancel one', async () => {
    const m = start({ fake: fakeEntry() });
    const slow = await rejection(m.callTool('fake__slow', { ms: 10_000 }, { timeoutMs: 300 }));
    expect(slow.kind).toBe('timeout');
    const ac = new AbortController();
    const pending = m.callTool('fake__slow', { ms: 10_000 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    expect((await rejection(pending)).kind).toBe('cancelled');
    expect(textOf(await m.callTool('fake__echo', { text: 'still fine' }))).toBe('still fine');
  });

  it('restarts a crashed server with backoff, with the reason and stderr in its status', async () => {
    const m = start({ fake: fakeEntry() });
    await m.listTools();
    await rejection(m.callTool('fake__crash', {}));
    await waitFor(() => statusOf(m, 'fake').state !== 'ready', 5000, 'crash noticed');
    const crashed = statusOf(m, 'fake');
    expect(crashed.state).toBe('restarting');
    expect(crashed.lastError).toMatch(/exited unexpectedly/);
    expect(crashed.stderrTail.join('\n')).toContain('crashing on purpose');
    await waitFor(() => statusOf(m, 'fake').state === 'ready', 15_000, 'restarted');
    expect(starts()).toBe(2);
    expect(statusOf(m, 'fake')).toMatchObject({ restarts: 1 });
    expect(statusOf(m, 'fake').lastError).toBeUndefined();
    expect(textOf(await m.callTool('fake__echo', { text: 'back' }))).toBe('back');
  });

  it('gives up after the last attempt and says why', async () => {
    const m = start({ fake: fakeEntry() }, { backoff: { maxAttempts: 1, initialMs: 100 } });
    await m.listTools();
    await rejection(m.callTool('fake__crash', {}));
    await waitFor(() => statusOf(m, 'fake').state === 'ready' && starts() === 2, 15_000, 'first restart');
    await rejection(m.callTool('fake__crash', {}));
    await waitFor(() => statusOf(m, 'fake').state === 'failed', 5000, 'given up');
    await new Promise((r) => setTimeout(r, 500));
    expect(starts()).toBe(2);
    expect(statusOf(m, 'fake').lastError).toMatch(/exited unexpectedly/);
  });

  it('reports a command that is not installed, does not retry it on every turn, and the other servers still work', async () => {
    // maxMs too: the default cap of 1 s would let a slow machine reach the next try before the second call.
    const m = start(
      { fake: fakeEntry(), broken: { command: 'aios-no-such-program-xyz' } },
      { backoff: { initialMs: 30_000, maxMs: 30_000 } },
    );
    const tools = await m.listTools();
    expect(tools.some((t) => t.server === 'fake')).toBe(true);
    expect(statusOf(m, 'broken')).toMatchObject({
      state: 'failed',
      lastError: expect.stringMatching(/command not found: aios-no-such-program-xyz/),
    });
    const again = await rejection(m.callTool('broken__anything', {}));
    expect(again.kind).toBe('unavailable');
    expect(again.message).toMatch(/next try in \d+ s/);
  });

  it('does not start a misconfigured or disabled server', async () => {
    const m = start({ unset: { command: 'x', env: { T: '${UNSET_VAR_XYZ}' } }, off: { ...fakeEntry(), disabled: true } });
    expect(statusOf(m, 'unset')).toMatchObject({ state: 'misconfigured', lastError: expect.stringMatching(/UNSET_VAR_XYZ/) });
    expect(m.problems.map((p) => p.server)).toEqual(['unset']);
    expect(await m.listTools()).toEqual([]);
    expect(statusOf(m, 'off').state).toBe('disabled');
    expect(starts()).toBe(0);
    expect((await rejection(m.callTool('nope__x', {}))).kind).toBe('unknown-tool');
  });

  it('ends its servers on close', async () => {
    const m = start({ fake: fakeEntry() });
    await m.listTools();
    const pid = statusOf(m, 'fake').pid!;
    expect(isAlive(pid)).toBe(true);
    await m.close();
    manager = undefined;
    await waitFor(() => !isAlive(pid), 10_000, 'server process gone');
  });
});

describe('aigpt not installed', () => {
  it("serves aigpt's tools from the built-in store and says so once", async () => {
    const m = start({ aigpt: { command: 'aigpt', args: ['server', '--enable-layer4'] } });
    const tools = await m.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['aigpt__create_memory', 'aigpt__search_memories', 'aigpt__get_relationship']),
    );
    const s = statusOf(m, 'aigpt');
    expect(s).toMatchObject({ state: 'ready', transport: 'builtin' });
    expect(s.note).toMatch(/aigpt is not installed/);
    const created = JSON.parse(textOf(await m.callTool('aigpt__create_memory', { content: 'kept by the built-in store' }))) as {
      id: string;
    };
    await m.listTools();
    await m.callTool('aigpt__list_memories', {});
    expect(logs.filter((l) => /aigpt is not installed/.test(l))).toHaveLength(1);
    const store = openMemoryStore(tmp.join('memory.db'), { readonly: true });
    expect(store.get(created.id)?.content).toBe('kept by the built-in store');
    store.close();
  });

  it('prefers an executable named aigpt on PATH to the built-in store (aios memory-server under that name)', async () => {
    // aigpt itself is not installed here: its closest real stand-in is `aios memory-server`, a
    // separate process speaking aigpt's MCP tools over stdio. It is put on PATH as `aigpt`,
    // taking aigpt's `server` argument, and serves its own memory file.
    const bin = tmp.join('bin');
    fs.mkdirSync(bin);
    const db = tmp.join('aigpt-memory.db');
    const cli = path.join(repoRoot, 'src', 'hosts', 'cli.ts');
    fs.writeFileSync(
      path.join(bin, 'aigpt'),
      `#!/bin/sh\n[ "$1" = server ] && shift\ncd ${JSON.stringify(repoRoot)} && exec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(cli)} memory-server --db ${JSON.stringify(db)} "$@"\n`,
      { mode: 0o755 },
    );
    const m = start(
      { aigpt: { command: 'aigpt', args: ['server', '--enable-layer4'] } },
      { env: isolatedEnv(tmp.path, { PATH: `${bin}:${projectPath('/usr/bin:/bin')}` }) },
    );
    const tools = await m.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['aigpt__create_memory', 'aigpt__search_memories', 'aigpt__get_relationship']),
    );
    const s = statusOf(m, 'aigpt');
    expect(s.transport).toBe('stdio');
    expect(s.note).toBeUndefined();
    expect(logs.some((l) => /not installed/.test(l))).toBe(false);
    // It is that process that keeps the memory: in its file, not the built-in store's.
    const created = JSON.parse(textOf(await m.callTool('aigpt__create_memory', { content: 'kept by the aigpt on PATH' }))) as {
      id: string;
    };
    expect(fs.existsSync(tmp.join('memory.db'))).toBe(false);
    const store = openMemoryStore(db, { readonly: true });
    expect(store.get(created.id)?.content).toBe('kept by the aigpt on PATH');
    store.close();
  });
});

describe('McpManager with an http server', () => {
  it('connects to streamable HTTP with expanded headers', async () => {
    const seen: (string | undefined)[] = [];
    const httpServer = http.createServer(async (req, res) => {
      seen.push(req.headers.authorization);
      const server = new McpServer({ name: 'remote', version: '1' });
      server.registerTool('shout', { description: 'Upper-cases', inputSchema: { text: z.string() } }, ({ text }) => ({
        content: [{ type: 'text', text: text.toUpperCase() }],
      }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res);
    });
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    const port = (httpServer.address() as AddressInfo).port;
    try {
      const m = start({
        remote: { type: 'http', url: `http://127.0.0.1:${port}/mcp`, headers: { Authorization: 'Bearer ${TEST_TOKEN}' } },
      });
      expect((await m.listTools()).map((t) => t.name)).toEqual(['remote__shout']);
      expect(textOf(await m.callTool('remote__shout', { text: 'quiet' }))).toBe('QUIET');
      expect(statusOf(m, 'remote')).toMatchObject({ state: 'ready', transport: 'http' });
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((a) => a === 'Bearer s3cret')).toBe(true);
      await m.close();
      manager = undefined;
    } finally {
      httpServer.closeAllConnections();
      await new Promise((r) => httpServer.close(r));
    }
  });
});
