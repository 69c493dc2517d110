import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startWebHost, type StartedWebHost } from '../../src/hosts/web/server';
import { makeDirs, startHarness, type Harness } from '../agent/harness';
import { startLlmServer, type LlmServer } from '../support/llm-server';

/**
 * The memory file locked by another program (the sqlite3 shell) or on a
 * full disk (a small tmpfs filled up): the chat goes on, the web host keeps
 * answering, the person is told "not saving … saving again", and every
 * message is in the file once the cause is gone.
 */

let server: LlmServer | undefined;
let h: Harness | undefined;
let web: StartedWebHost | undefined;
let holder: ChildProcess | undefined;
const mounts: string[] = [];
afterEach(async () => {
  holder?.kill('SIGKILL');
  holder = undefined;
  await web?.close();
  web = undefined;
  await h?.core.close();
  for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  await h?.close();
  h = undefined;
  await server?.close();
  server = undefined;
});

function probe(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', headers: { Host: `127.0.0.1:${port}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const notices = (hh: Harness) => hh.events.filter((e) => e.name === 'chat.notice').map((e) => (e.payload as { message: string }).message);

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function savedContents(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT message FROM aios_conversation_messages ORDER BY seq').pluck().all() as string[]).map((m) =>
      String((JSON.parse(m) as { content: unknown }).content),
    );
  } finally {
    db.close();
  }
}

describe('a memory file another program keeps locked', () => {
  it('the web host answers while the lock is held; the turn is saved once it is released', async () => {
    server = await startLlmServer();
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists: {} });
    const renderer = path.join(h.dir, 'renderer');
    fs.mkdirSync(renderer, { recursive: true });
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>aios</title>');
    web = await startWebHost({ core: h.core, rendererDir: renderer });
    server.push({ text: 'first answer' }, { text: 'answer while locked' });
    await h.turn('first');
    const file = h.core.config.paths.memoryDb;

    // The sqlite3 shell takes the write lock, holds it for a few seconds on its own clock, then lets go.
    const held = spawn('sqlite3', [file], { stdio: ['pipe', 'pipe', 'inherit'] });
    holder = held;
    let out = '';
    held.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    held.stdin!.end("BEGIN IMMEDIATE;\nSELECT 'locked';\n.shell sleep 4\nSELECT 'released';\nCOMMIT;\n");
    await until('the lock', () => out.includes('locked'));

    const order: string[] = [];
    held.stdout!.on('data', (d: Buffer) => d.toString().includes('released') && order.push('released'));
    const turn = h.turn('written while locked');
    const status = await probe(web.port);
    order.push('probe');
    expect(status).toBeGreaterThan(0);
    const done = await turn;
    expect(done.status).toBe('done');
    // The probe was answered while the other program still held the lock: nothing waited for it.
    await until('the holder to let go', () => order.includes('released'));
    expect(order).toEqual(['probe', 'released']);
    expect(notices(h).some((n) => n.startsWith('not saving') && n.includes(file))).toBe(true);

    // Saving resumes by itself, with everything in order.
    await until('saving again', () => notices(h!).some((n) => n.startsWith('saving again')));
    expect(savedContents(file)).toEqual(['first', 'first answer', 'written while locked', 'answer while locked']);
    const st = (await h.call('app.status', {})) as { memory: { problem: string | null } };
    expect(st.memory.problem).toBeNull();
  }, 60_000);
});

describe('a memory file on a full disk', () => {
  it('says it is not saving, keeps the conversation, and saves it once space is freed', async () => {
    server = await startLlmServer();
    const dirs = makeDirs();
    const disk = path.join(dirs.dir, 'disk');
    fs.mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk]);
    mounts.push(disk);
    const file = path.join(disk, 'memory.db');
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists: {}, dirs });
    fs.appendFileSync(path.join(dirs.env.AIOS_CONFIG_DIR!, 'config.toml'), `\n[paths]\nmemory_db = "${file}"\n`);
    await h.restart();
    server.push({ text: 'one' }, { text: 'two' }, { text: 'three' });
    await h.turn('first');
    // Fill the disk.
    const filler = path.join(disk, 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd stops with "No space left on device": the point
    }
    const big = 'x'.repeat(20_000);
    expect((await h.turn(`second ${big}`)).status).toBe('done');
    expect(notices(h).some((n) => n.startsWith('not saving') && /full|SQLITE_FULL|disk/i.test(n))).toBe(true);
    expect((await h.turn('third')).status).toBe('done');
    // The model still had the whole conversation.
    expect(server.requests.at(-1)!.body.messages.map((m) => String(m.content).slice(0, 6))).toEqual(
      expect.arrayContaining(['first', 'second', 'two', 'third']),
    );
    fs.rmSync(filler);
    await until('saving again', () => notices(h!).some((n) => n.startsWith('saving again')));
    expect(savedContents(file).map((c) => c.slice(0, 6))).toEqual(['first', 'one', 'second', 'two', 'third', 'three']);
  }, 60_000);
});

describe('a crash sweep while the file is locked', () => {
  it('waits for the lock and then marks the dead run interrupted', async () => {
    server = await startLlmServer();
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists: {} });
    server.push({ text: 'hello' });
    await h.turn('first');
    const file = h.core.config.paths.memoryDb;
    await h.core.close();
    // A row a dead aios of this host left running.
    const db = new Database(file);
    db.prepare(
      "INSERT INTO aios_command_history (id, command, decision, started_at, state, owner) VALUES ('01HZZZZZZZZZZZZZZZZZZZZZZZ', 'sleep 100', 'auto_allow', '2026-01-01T00:00:00.000+00:00', 'running', ?)",
    ).run(`${os.hostname()}/999999999`);
    db.close();
    const held = spawn('sqlite3', [file], { stdio: ['pipe', 'pipe', 'inherit'] });
    holder = held;
    let out = '';
    held.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    held.stdin!.end("BEGIN IMMEDIATE;\nSELECT 'locked';\n.shell sleep 2\nCOMMIT;\n");
    await until('the lock', () => out.includes('locked'));
    await h.restart();
    await h.call('chat.state', {});
    await until('the sweep', () => notices(h!).some((n) => n.startsWith('aios stopped (killed or crashed)') && n.includes('sleep 100')));
    const after = new Database(file, { readonly: true });
    expect(after.prepare("SELECT state FROM aios_command_history WHERE command = 'sleep 100'").pluck().get()).toBe('interrupted');
    after.close();
  }, 60_000);
});
