import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ConversationStore } from '../../src/core/conversation/store';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { startHarness, type Harness } from './harness';
import { makeTempDir, type TempDir } from '../support/temp';

let server: LlmServer | undefined;
let h: Harness | undefined;
let tmp: TempDir | undefined;
let holder: ChildProcess | undefined;

afterEach(async () => {
  holder?.kill('SIGKILL');
  holder = undefined;
  await h?.close();
  h = undefined;
  await server?.close();
  server = undefined;
  tmp?.cleanup();
  tmp = undefined;
});

/** Another process holds the file's write lock, as a busy aigpt in another container might, until killed. */
async function holdWriteLock(file: string): Promise<ChildProcess> {
  const script = `const D=require('better-sqlite3');const d=new D(${JSON.stringify(file)});d.exec('BEGIN IMMEDIATE');process.stdout.write('locked\\n');setInterval(()=>{},1000);`;
  // The checkout's node_modules, wherever the checkout is and whatever folder the tests started in.
  const child = spawn(process.execPath, ['-e', script], {
    cwd: path.join(import.meta.dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
  return child;
}

describe('a memory file that stops taking writes', () => {
  it('the conversation goes on while the file refuses writes, and is saved in order once it takes them again', () => {
    tmp = makeTempDir('aios-conv-');
    const file = tmp.join('memory.db');
    const db = new Database(file);
    const told: Array<{ saving: boolean; reason: string | null }> = [];
    const store = new ConversationStore(db, 'box', { onSaving: (st) => told.push({ saving: st.saving, reason: st.reason }) });
    const id = store.current();
    store.append(id, [{ role: 'user', content: 'before' }]);
    db.pragma('query_only = ON'); // the file now refuses every write
    store.append(id, [{ role: 'assistant', content: 'after' }]);
    store.append(id, [{ role: 'user', content: 'again' }]);
    expect(store.degraded).toBe(true);
    expect(told).toHaveLength(1);
    expect(told[0]!.saving).toBe(false);
    expect(told[0]!.reason).toMatch(/readonly|read-only/i);
    expect(store.messages(id).map((m) => m.message.content)).toEqual(['before', 'after', 'again']);
    db.pragma('query_only = OFF');
    (store as unknown as { writer: { flush(): boolean } }).writer.flush();
    expect(store.degraded).toBe(false);
    expect(told.at(-1)!.saving).toBe(true);
    const saved = db.prepare('SELECT message FROM aios_conversation_messages ORDER BY seq').pluck().all() as string[];
    expect(saved.map((m) => (JSON.parse(m) as { content: string }).content)).toEqual(['before', 'after', 'again']);
    db.close();
  });

  it('a locked memory file: the chat still answers, a notice names the file, and app.status says it is not saving', async () => {
    server = await startLlmServer();
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists: {} });
    server.push({ text: 'first' }, { text: 'second answer' });
    h.core.chat.open().agent.send('hello');
    await h.core.chat.open().agent.idle();
    const file = h.core.config.paths.memoryDb;
    expect(fs.existsSync(file)).toBe(true);
    holder = await holdWriteLock(path.resolve(file));
    const notices: string[] = [];
    h.core.events.on('chat.notice', (p) => notices.push(p.message));
    const errors: string[] = [];
    h.core.events.on('chat.error', (p) => errors.push(p.message));
    h.core.chat.open().agent.send('still there?');
    await h.core.chat.open().agent.idle();
    expect(errors, errors.join('\n')).toEqual([]);
    expect(server.requests).toHaveLength(2);
    expect(notices.filter((n) => n.includes(file) && n.startsWith('not saving'))).toHaveLength(1);
    const status = await h.core.handlers['app.status']({}, { clientId: 't' });
    expect(status.memory.problem).toContain(file);
  }, 30_000);
});
