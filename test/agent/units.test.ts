import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveProvider } from '../../src/core/agent/provider';
import { AiSchema } from '../../src/core/config/schema';
import { ConversationStore } from '../../src/core/conversation/store';
import { fitToBudget } from '../../src/core/conversation/window';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const ai = (over: Record<string, unknown> = {}) => AiSchema.parse(over);

async function fakeOllama(models: string[]): Promise<string> {
  const s = http.createServer((req, res) => {
    if (req.url === '/api/tags')
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ models: models.map((name) => ({ name })) }));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => s.close(() => r())));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe('resolveProvider', () => {
  it('base_url wins and needs no key; a key alone means OpenAI', async () => {
    expect(await resolveProvider(ai({ base_url: 'http://127.0.0.1:1/v1', model: 'm' }), { env: {} })).toMatchObject({
      kind: 'ready',
      baseURL: 'http://127.0.0.1:1/v1',
      model: 'm',
    });
    expect(await resolveProvider(ai({ api_key_env: 'MY_KEY' }), { env: { MY_KEY: 'sk-x' } })).toMatchObject({
      kind: 'ready',
      baseURL: undefined,
      apiKey: 'sk-x',
      label: 'OpenAI',
    });
  });

  it('with neither, uses a local Ollama that answers, with its first model', async () => {
    const url = await fakeOllama(['llama3.2:3b', 'qwen']);
    expect(await resolveProvider(ai(), { env: {}, ollamaUrl: url })).toMatchObject({
      kind: 'ready',
      baseURL: `${url}/v1`,
      model: 'llama3.2:3b',
    });
    expect(await resolveProvider(ai(), { env: { OLLAMA_HOST: url.replace('http://', '') } })).toMatchObject({
      kind: 'ready',
      baseURL: `${url}/v1`,
    });
  });

  it('with nothing reachable, says exactly what to set', async () => {
    const p = await resolveProvider(ai(), { env: {}, ollamaUrl: 'http://127.0.0.1:9' });
    expect(p.kind).toBe('none');
    if (p.kind === 'none') {
      expect(p.message).toMatch(/OPENAI_API_KEY/);
      expect(p.message).toMatch(/\[ai\] base_url/);
      expect(p.message).toMatch(/127\.0\.0\.1:9/);
    }
  });
});

describe('conversation store and context window', () => {
  it('persists, restores per machine, and /clear starts a new one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-conv-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'm.db');
    let db = new Database(file);
    let store = new ConversationStore(db, 'box');
    const id = store.current();
    store.append(id, [
      { role: 'user', content: 'こんにちは' },
      { role: 'assistant', content: 'hi' },
    ]);
    db.close();
    db = new Database(file);
    cleanup.push(() => void db.close());
    store = new ConversationStore(db, 'box');
    expect(store.current()).toBe(id);
    expect(store.messages(id).map((m) => m.message)).toEqual([
      { role: 'user', content: 'こんにちは' },
      { role: 'assistant', content: 'hi' },
    ]);
    expect(new ConversationStore(db, 'other').current()).not.toBe(id);
    const fresh = store.start();
    expect(store.current()).toBe(fresh);
    expect(store.messages(fresh)).toEqual([]);
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE '%conversation%'").all() as Array<{
      name: string;
    }>;
    expect(tables.every((t) => t.name.startsWith('aios_'))).toBe(true);
  });

  it('keeps the newest whole turns within the budget, never splitting a tool call from its result', () => {
    const turn = (n: number) => [
      { role: 'user', content: `q${n} ${'x'.repeat(100)}` },
      { role: 'assistant', content: null, tool_calls: [{ id: `c${n}` }] },
      { role: 'tool', tool_call_id: `c${n}`, content: 'y'.repeat(100) },
      { role: 'assistant', content: `a${n}` },
    ];
    const all = [1, 2, 3, 4, 5].flatMap(turn);
    const one = JSON.stringify(turn(1)).length;
    const w = fitToBudget(all, one * 2 + 10);
    expect(w.messages[0]).toMatchObject({ role: 'user' });
    expect(w.messages).toHaveLength(8);
    expect(w.dropped).toBe(12);
    expect((w.messages[0] as { content: string }).content).toMatch(/^q4/);
    // A single turn bigger than the budget is still sent whole.
    expect(fitToBudget(all, 10).messages).toHaveLength(4);
  });
});
