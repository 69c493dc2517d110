import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLlmServer } from '../support/llm-server';
import { runAios, runAsync } from '../support/process';
import { isolatedEnv, makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
let env: Record<string, string>;
beforeEach(() => {
  tmp = makeTempDir('aios-memcli-');
  env = isolatedEnv(tmp.path);
});
afterEach(() => tmp.cleanup());

describe('aios memory', () => {
  it('adds, searches, lists and counts, one write per add', () => {
    const db = tmp.join('m.db');
    const a = runAios(['memory', 'add', '--db', db, 'set', 'up', 'nginx'], env);
    expect(a.status).toBe(0);
    expect(a.stdout.trim()).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    const b = runAios(['memory', 'add', '--db', db, '--json', 'tea with alice'], env);
    expect(JSON.parse(b.stdout)).toMatchObject({ success: true, memory: { content: 'tea with alice' } });

    const s = runAios(['memory', 'search', '--db', db, 'nginx'], env);
    expect(s.status).toBe(0);
    expect(s.stdout).toBe(`${a.stdout.trim()}  set up «nginx»\n`);
    const sj = JSON.parse(runAios(['memory', 'search', '--db', db, '--json', 'alice'], env).stdout) as {
      memories: { content: string; snippet: string }[];
    };
    expect(sj.memories.map((m) => m.content)).toEqual(['tea with alice']);
    // Nothing found is said (on stderr: stdout stays a list of ids), and is no error.
    const none = runAios(['memory', 'search', '--db', db, 'zeppelins'], env);
    expect(none.status).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe('No memory matches “zeppelins”.\n');

    const l = JSON.parse(runAios(['memory', 'list', '--db', db, '--json', '--limit', '1'], env).stdout) as {
      memories: { content: string }[];
    };
    expect(l.memories.map((m) => m.content)).toEqual(['tea with alice']);
    expect(runAios(['memory', 'count', '--db', db], env).stdout.trim()).toBe('2');
  }, 60_000);

  it('uses <config dir>/gpt/memory.db by default', () => {
    expect(runAios(['memory', 'add', 'in the default place'], env).status).toBe(0);
    expect(fs.existsSync(path.join(env.AIOS_CONFIG_DIR!, 'gpt', 'memory.db'))).toBe(true);
  }, 30_000);

  it('explains usage errors with exit code 2 and file errors with exit code 1, leaving the file alone', () => {
    expect(runAios(['memory'], env).status).toBe(2);
    const unknown = runAios(['memory', 'forget', '--db', tmp.join('x.db')], env);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'forget'");
    expect(fs.existsSync(tmp.join('x.db'))).toBe(false);
    expect(runAios(['memory', 'list', '--limit', 'lots', '--db', tmp.join('y.db')], env).status).toBe(2);

    const bad = tmp.join('bad.db');
    fs.writeFileSync(bad, 'garbage '.repeat(512));
    const hash = crypto.createHash('sha256').update(fs.readFileSync(bad)).digest('hex');
    const r = runAios(['memory', 'count', '--db', bad], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toMatch(/corrupt: file is not a database/);
    expect(crypto.createHash('sha256').update(fs.readFileSync(bad)).digest('hex')).toBe(hash);
  }, 60_000);
});

describe('aios doctor', () => {
  it('reports config paths, the provider, the memory file and MCP servers as JSON, and exits 0 when all is well', async () => {
    expect(runAios(['memory', 'add', 'something to count'], env).status).toBe(0);
    // The model is the scripted OpenAI-compatible server (the stand-in for a provider).
    const llm = await startLlmServer();
    fs.writeFileSync(path.join(env.AIOS_CONFIG_DIR!, 'config.toml'), `[ai]\nbase_url = "${llm.baseUrl}"\nmodel = "scripted"\n`);
    const r = await runAsync(['doctor', '--json'], env).finally(() => llm.close());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; sections: Record<string, Record<string, unknown>> };
    expect(report.ok).toBe(true);
    expect(report.sections.config).toMatchObject({ ok: true, paths: { configDir: env.AIOS_CONFIG_DIR } });
    expect(report.sections.provider).toMatchObject({ ok: true, model: 'scripted', check: { kind: 'ok', url: `${llm.baseUrl}/models` } });
    expect(report.sections.memory).toMatchObject({
      ok: true,
      exists: true,
      journalMode: 'wal',
      rowCounts: { memories: 1, user_analyses: 0, aios_command_history: 0 },
      fts: { present: true, indexedRows: 1, pendingRows: 0 },
      formatProblems: { badIds: 0, badTimestamps: 0, badRelatedEntities: 0 },
      quickCheck: 'ok',
      missingMemoryColumns: [],
    });
    const mcp = report.sections.mcp as {
      ok: boolean;
      usingDefault: boolean;
      servers: { name: string; state: string; transport: string; note: string; tools: string[] }[];
    };
    expect(mcp.usingDefault).toBe(true);
    expect(mcp.servers[0]).toMatchObject({ name: 'aigpt', state: 'ready', transport: 'builtin' });
    expect(mcp.servers[0]!.tools).toContain('aigpt__search_memories');
    // Where the Electron app's log would be; nothing has run, so none yet.
    expect(report.sections.logs).toMatchObject({ ok: true, file: expect.stringMatching(/[\\/]logs[\\/]aios\.log$/), size: 0, rotated: [] });
  }, 60_000);

  it('names rows aigpt could not read, and a file it could not open, with exit code 1', () => {
    const file = path.join(env.AIOS_CONFIG_DIR!, 'gpt', 'memory.db');
    expect(runAios(['memory', 'add', 'fine row'], env).status).toBe(0);
    const db = new Database(file);
    db.prepare(
      "INSERT INTO memories (id, content, created_at, updated_at) VALUES ('not-a-ulid', 'x', '2025-11-06 10:00:00', '2025-11-06T10:00:00Z')",
    ).run();
    db.close();
    const r = runAios(['doctor'], env);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/memory NEEDS ATTENTION/);
    expect(r.stdout).toMatch(
      /values aigpt cannot read .*id "not-a-ulid", created_at "2025-11-06 10:00:00", updated_at "2025-11-06T10:00:00Z"/,
    );
    expect(r.stdout).toMatch(/search +full-text index: 1 rows, 1 to index at the next search/);

    fs.rmSync(file);
    fs.rmSync(`${file}-wal`, { force: true });
    fs.rmSync(`${file}-shm`, { force: true });
    fs.writeFileSync(file, 'garbage '.repeat(512));
    const j = JSON.parse(runAios(['doctor', '--json'], env).stdout) as {
      sections: { memory: { ok: boolean; error: { kind: string; sqliteMessage: string } } };
    };
    expect(j.sections.memory.ok).toBe(false);
    expect(j.sections.memory.error).toMatchObject({ kind: 'corrupt', sqliteMessage: 'file is not a database' });
  }, 60_000);

  it('changes nothing: on a machine with no config it creates no file (and says no provider is set up)', () => {
    const r = runAios(['doctor'], { ...env, OLLAMA_HOST: '127.0.0.1:9' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^provider NEEDS ATTENTION\n {2}No AI provider is configured/m);
    expect(r.stdout).toMatch(/missing: created on first use/);
    expect(fs.readdirSync(tmp.path)).toEqual([]);
  }, 60_000);

  it('shows a broken MCP server with its error', () => {
    fs.mkdirSync(env.AIOS_CONFIG_DIR!, { recursive: true });
    fs.writeFileSync(
      path.join(env.AIOS_CONFIG_DIR!, 'mcp.json'),
      JSON.stringify({
        mcpServers: {
          gone: { command: 'aios-no-such-program-xyz' },
          half: { command: 'x', args: ['${NOT_SET_ANYWHERE}'] },
          old: { type: 'sse', url: 'http://127.0.0.1:1/sse' },
        },
      }),
    );
    const r = runAios(['doctor'], env);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/gone +failed \(stdio\)/);
    expect(r.stdout).toMatch(/command not found: aios-no-such-program-xyz/);
    expect(r.stdout).toMatch(/half +misconfigured/);
    expect(r.stdout).toMatch(/NOT_SET_ANYWHERE/);
    // An entry rejected outright says why in the text too, not only in --json.
    expect(r.stdout).toMatch(/old +rejected: type "sse" is not supported; use "http" \(streamable HTTP\)/);
  }, 60_000);
});
