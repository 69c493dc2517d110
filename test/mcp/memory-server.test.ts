import fs from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as SdkClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createMemoryMcpServer } from '../../src/core/mcp';
import { CommandLog, MemoryStoreError, openMemoryStore } from '../../src/core/memory';
import { callTool, connectMemoryServer, keysSorted } from '../support/mcp-client';
import { isolatedEnv, makeTempDir, type TempDir } from '../support/temp';

const AIGPT_TOOLS = [
  'create_memory',
  'create_ai_memory',
  'get_memory',
  'search_memories',
  'list_memories',
  'update_memory',
  'delete_memory',
  'save_user_analysis',
  'get_user_analysis',
  'get_profile',
];
const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.(\d{3}|\d{6}|\d{9}))?Z$/;

describe('aios memory-server --enable-layer4, driven by the MCP SDK client', () => {
  let tmp: TempDir;
  let db: string;
  let server: Awaited<ReturnType<typeof connectMemoryServer>>;
  let client: Client;

  beforeAll(async () => {
    tmp = makeTempDir('aios-mcp-');
    db = tmp.join('memory.db');
    const history = new CommandLog(db);
    history.record({
      command: 'pacman -S nginx',
      decision: 'notify',
      approver: 'auto',
      exitCode: 0,
      startedAt: new Date(Date.now() - 86_400_000),
    });
    history.record({ command: 'rm -rf /', decision: 'deny', matchedRule: 'rm -rf /', approver: null });
    history.close();
    server = await connectMemoryServer(['--enable-layer4', '--db', db], isolatedEnv(tmp.path));
    client = server.client;
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    tmp.cleanup();
  });

  it("lists aigpt's tools with aigpt's input schemas, plus layer 4 and recall_history", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of [...AIGPT_TOOLS, 'get_relationship', 'list_relationships', 'recall_history']) expect(names).toContain(n);
    const schema = (n: string) =>
      tools.find((t) => t.name === n)!.inputSchema as {
        properties: Record<string, { type: string; minimum?: number; maximum?: number }>;
        required?: string[];
      };
    expect(schema('create_memory')).toMatchObject({ type: 'object', properties: { content: { type: 'string' } }, required: ['content'] });
    expect(schema('create_ai_memory').required).toEqual(['content']);
    expect(schema('create_ai_memory').properties.priority_score).toMatchObject({ type: 'number', minimum: 0, maximum: 1 });
    expect(schema('update_memory').required).toEqual(['id', 'content']);
    expect(schema('save_user_analysis').required).toEqual([
      'openness',
      'conscientiousness',
      'extraversion',
      'agreeableness',
      'neuroticism',
      'summary',
    ]);
    expect(schema('get_relationship').required).toEqual(['entity_id']);
    expect(schema('list_memories').required ?? []).toEqual([]);
    expect(schema('get_profile').properties).toEqual({});
  });

  it('creates, reads, searches, lists, updates and deletes, in aigpt result shapes with sorted keys', async () => {
    const created = await callTool(client, 'create_memory', { content: 'set up nginx as a reverse proxy' });
    expect(created.isError).toBe(false);
    expect(created.json).toMatchObject({ success: true, message: 'Memory created successfully' });
    expect(keysSorted(created.text)).toBe(true);
    const id = created.json!.id as string;
    expect(id).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);

    const ai = await callTool(client, 'create_ai_memory', {
      content: 'hiking with alice',
      ai_interpretation: 'values time outdoors',
      priority_score: 0.8,
      related_entities: ['alice'],
    });
    expect(ai.json).toEqual({
      has_interpretation: true,
      has_score: true,
      id: ai.json!.id,
      message: 'AI memory created successfully',
      success: true,
    });

    const got = await callTool(client, 'get_memory', { id: ai.json!.id });
    expect(keysSorted(got.text)).toBe(true);
    const memory = got.json!.memory as Record<string, unknown>;
    expect(Object.keys(memory)).toEqual(['ai_interpretation', 'content', 'created_at', 'id', 'priority_score', 'updated_at']);
    expect(memory).toMatchObject({ content: 'hiking with alice', ai_interpretation: 'values time outdoors', priority_score: 0.8 });
    expect(memory.created_at).toMatch(ISO_Z);

    const found = await callTool(client, 'search_memories', { query: 'nginx' });
    expect(found.json!.success).toBe(true);
    const hits = found.json!.memories as Record<string, unknown>[];
    expect(hits.map((h) => h.id)).toEqual([id]);
    expect(hits[0]!.snippet).toContain('«nginx»');

    const listed = await callTool(client, 'list_memories');
    expect((listed.json!.memories as { id: string }[]).map((m) => m.id)).toEqual([ai.json!.id, id]);
    expect(listed.json!.total).toBe(2);

    expect((await callTool(client, 'update_memory', { id, content: 'nginx replaced by caddy' })).json).toEqual({
      message: 'Memory updated successfully',
      success: true,
    });
    expect(((await callTool(client, 'search_memories', { query: 'caddy' })).json!.memories as { id: string }[]).map((m) => m.id)).toEqual([
      id,
    ]);
    expect((await callTool(client, 'delete_memory', { id })).json).toEqual({ message: 'Memory deleted successfully', success: true });
    expect(((await callTool(client, 'list_memories')).json!.memories as unknown[]).length).toBe(1);
  });

  it('says so for unknown ids, in the aigpt shape, marked isError', async () => {
    const missing = ulid();
    for (const [tool, args] of [
      ['get_memory', { id: missing }],
      ['update_memory', { id: missing, content: 'x' }],
      ['delete_memory', { id: missing }],
    ] as const) {
      const r = await callTool(client, tool, args);
      expect(r.isError).toBe(true);
      expect(r.json).toEqual({ error: `Memory not found: ${missing}`, success: false });
    }
  });

  it('rejects bad arguments with isError and a message that names the argument', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['create_memory', {}, /content is required/],
      ['create_memory', { content: 42 }, /content is required and must be a string/],
      ['get_memory', {}, /id is required/],
      ['create_ai_memory', { content: 'x', priority_score: 1.5 }, /priority_score must be at most 1.0/],
      ['create_ai_memory', { content: 'x', related_entities: 'alice' }, /related_entities must be a list/],
      ['save_user_analysis', { openness: 0.5, conscientiousness: 0.5, extraversion: 0.5, agreeableness: 0.5, summary: 's' }, /neuroticism/],
      ['list_memories', { limit: -1 }, /limit must be 0 or more/],
      ['list_memories', { limit: 2.5 }, /limit must be a whole number/],
      ['search_memories', { query: 'x', limit: 5000 }, /limit must be at most 1000/],
      ['recall_history', { range: 'the other day' }, /cannot read range/],
      ['recall_history', { since: 'whenever' }, /cannot read "whenever"/],
      ['no_such_tool', {}, /not found/],
    ];
    for (const [tool, args, message] of cases) {
      const r = await callTool(client, tool, args);
      expect(r.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(String(r.json?.error ?? r.text), tool).toMatch(message);
    }
  });

  it('saves and reads the user analysis and builds the profile by aigpt rules', async () => {
    expect((await callTool(client, 'get_user_analysis')).json).toEqual({
      analysis: null,
      message: 'No analysis found. Run personality analysis first.',
      success: true,
    });
    const saved = await callTool(client, 'save_user_analysis', {
      openness: 0.9,
      conscientiousness: 0.7,
      extraversion: 0.3,
      agreeableness: 0.6,
      neuroticism: 0.2,
      summary: 'curious, careful',
    });
    expect(saved.json).toMatchObject({ dominant_trait: 'Openness', message: 'User analysis saved successfully', success: true });
    const analysis = (await callTool(client, 'get_user_analysis')).json!.analysis as Record<string, unknown>;
    expect(analysis).toMatchObject({ openness: 0.9, extraversion: 0.3, summary: 'curious, careful', dominant_trait: 'Openness' });
    expect(analysis.analyzed_at).toMatch(ISO_Z);
    const profile = await callTool(client, 'get_profile');
    expect(keysSorted(profile.text)).toBe(true);
    const p = profile.json!.profile as Record<string, unknown>;
    expect(Object.keys(p)).toEqual(['core_interests', 'core_values', 'data_quality', 'dominant_traits', 'key_memory_ids', 'last_updated']);
    expect(p.dominant_traits).toEqual([
      { name: 'openness', score: 0.9 },
      { name: 'conscientiousness', score: 0.7 },
      { name: 'agreeableness', score: 0.6 },
    ]);
    const n = (await callTool(client, 'list_memories')).json!.total as number;
    expect(Math.fround(p.data_quality as number)).toBe(Math.fround(Math.min(n / 50, 1) * 0.5 + 0.5));
  });

  it('infers relationships from related entities', async () => {
    const r = await callTool(client, 'get_relationship', { entity_id: 'alice' });
    expect(keysSorted(r.text)).toBe(true);
    expect(r.json!.relationship).toMatchObject({ entity_id: 'alice', interaction_count: 1, avg_priority: 0.8 });
    expect(Object.keys(r.json!.relationship as object)).toEqual([
      'avg_priority',
      'bond_strength',
      'confidence',
      'days_since_last',
      'entity_id',
      'inferred_at',
      'interaction_count',
      'relationship_type',
    ]);
    const list = await callTool(client, 'list_relationships', { limit: 5 });
    expect((list.json!.relationships as { entity_id: string }[]).map((x) => x.entity_id)).toEqual(['alice']);
    expect((await callTool(client, 'get_relationship', { entity_id: '' })).json).toEqual({
      error: 'entity_id is required',
      success: false,
    });
  });

  it('recalls command history by natural range and words', async () => {
    const y = await callTool(client, 'recall_history', { range: 'yesterday', query: 'pacman' });
    expect(y.json).toMatchObject({ count: 1, success: true });
    expect((y.json!.history as { command: string }[])[0]!.command).toBe('pacman -S nginx');
    const denied = await callTool(client, 'recall_history', { since: 'today' });
    expect((denied.json!.history as { decision: string; matched_rule: string }[])[0]).toMatchObject({
      decision: 'deny',
      matched_rule: 'rm -rf /',
    });
    expect(keysSorted(denied.text)).toBe(true);
  });
});

describe('aios memory-server without --enable-layer4', () => {
  it('offers no relationship tools, as aigpt does without the flag', async () => {
    const tmp = makeTempDir('aios-mcp-');
    const { client } = await connectMemoryServer(['--db', tmp.join('memory.db')], isolatedEnv(tmp.path));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).not.toContain('get_relationship');
      expect(names).toContain('get_profile');
      expect((await callTool(client, 'get_relationship', { entity_id: 'x' })).isError).toBe(true);
    } finally {
      await client.close();
      tmp.cleanup();
    }
  }, 60_000);

  it('uses [paths] memory_db from the config dir in its environment when no --db is given', async () => {
    const tmp = makeTempDir('aios-mcp-');
    const env = isolatedEnv(tmp.path);
    const { client } = await connectMemoryServer([], env);
    try {
      const created = await callTool(client, 'create_memory', { content: 'where does this go' });
      expect(created.json!.success).toBe(true);
      const store = openMemoryStore(`${env.AIOS_CONFIG_DIR}/gpt/memory.db`, { readonly: true });
      expect(store.get(created.json!.id as string)?.content).toBe('where does this go');
      store.close();
    } finally {
      await client.close();
      tmp.cleanup();
    }
  }, 60_000);

  it('keeps answering, with the reason, when the memory file is unusable', async () => {
    const tmp = makeTempDir('aios-mcp-');
    const file = tmp.join('memory.db');
    fs.writeFileSync(file, 'not a database '.repeat(100));
    const { client, stderr } = await connectMemoryServer(['--db', file], isolatedEnv(tmp.path));
    try {
      const r = await callTool(client, 'list_memories');
      expect(r.isError).toBe(true);
      expect(r.json!.success).toBe(false);
      expect(r.json!.error).toMatch(/is corrupt: file is not a database/);
      expect(r.json!.error).toContain(file);
      expect(stderr()).toContain('is corrupt');
    } finally {
      await client.close();
      tmp.cleanup();
    }
  }, 60_000);
});

describe('the memory server when the file comes back', () => {
  it('tries to open the store again on later calls, and works once it can', async () => {
    const tmp = makeTempDir('aios-mcp-');
    let attempts = 0;
    const logs: string[] = [];
    const memory = createMemoryMcpServer({
      openStore: () => {
        attempts++;
        if (attempts < 3) throw new MemoryStoreError('locked', tmp.join('memory.db'), 'database is locked', 'SQLITE_BUSY');
        return openMemoryStore(tmp.join('memory.db'));
      },
      log: (l) => logs.push(l),
    });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await memory.server.connect(b);
    const client = new SdkClient({ name: 't', version: '0' });
    await client.connect(a);
    try {
      const first = await callTool(client, 'count_is_not_a_tool');
      expect(first.isError).toBe(true);
      expect((await callTool(client, 'list_memories')).json).toEqual({
        error: expect.stringMatching(/is locked: database is locked/),
        success: false,
      });
      expect((await callTool(client, 'list_memories')).json!.error).toMatch(/locked/);
      expect((await callTool(client, 'create_memory', { content: 'made it' })).json!.success).toBe(true);
      expect(attempts).toBe(3);
      // Said once while it kept failing the same way, and once when it recovered.
      expect(logs.filter((l) => /locked/.test(l))).toHaveLength(1);
      expect(logs.some((l) => /memory database opened/.test(l))).toBe(true);
    } finally {
      await client.close();
      memory.close();
      tmp.cleanup();
    }
  });
});

describe('aios memory-server on 100,000 memories', () => {
  let tmp: TempDir;
  let client: Client;
  beforeAll(async () => {
    tmp = makeTempDir('aios-mcp-big-');
    const file = tmp.join('memory.db');
    openMemoryStore(file).close();
    const db = new Database(file);
    const insert = db.prepare('INSERT INTO memories (id, content, created_at, updated_at) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 100_000; i++) {
        const at = new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString().replace('Z', '+00:00');
        insert.run(
          ulid(),
          `memory number ${i}: ${'some words to make the row realistic, '.repeat(3)}${i % 1000 === 0 ? 'milestone' : ''}`,
          at,
          at,
        );
      }
    })();
    db.close();
    ({ client } = await connectMemoryServer(['--db', file], isolatedEnv(tmp.path)));
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    tmp.cleanup();
  });

  it('pages with limit and offset, newest first', async () => {
    const r = await callTool(client, 'list_memories', { limit: 50 });
    const memories = r.json!.memories as { content: string }[];
    expect(memories).toHaveLength(50);
    expect(memories[0]!.content).toMatch(/^memory number 99999:/);
    expect(r.json).toMatchObject({ total: 100_000, next_offset: 50, success: true });
    const next = await callTool(client, 'list_memories', { limit: 2, offset: 50 });
    expect((next.json!.memories as { content: string }[]).map((m) => m.content.split(':')[0])).toEqual([
      'memory number 99949',
      'memory number 99948',
    ]);
  });

  it('without a limit stays far below the 10 MB stdio cap and says where to continue', async () => {
    const r = await callTool(client, 'list_memories');
    expect(Buffer.byteLength(r.text)).toBeLessThan(5 * 1024 * 1024);
    expect(r.json).toMatchObject({ truncated: true, total: 100_000, success: true });
    const n = (r.json!.memories as unknown[]).length;
    expect(r.json!.next_offset).toBe(n);
    expect(n).toBeGreaterThan(1000);
  }, 60_000);

  it('searches them, ranked', async () => {
    const r = await callTool(client, 'search_memories', { query: 'milestone', limit: 500 });
    expect((r.json!.memories as unknown[]).length).toBe(100);
  }, 60_000);
});
