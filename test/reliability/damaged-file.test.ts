import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/core/memory';
import { makeDirs } from '../agent/harness';
import { startHarness, type Harness } from '../agent/harness';
import { runAios } from '../support/process';
import { chatEnv, startChat } from '../tty/pty-harness';

/**
 * A memory file damaged on disk (pages overwritten with dd), written by a
 * newer aios, or in a folder this process cannot write: aios reads what it
 * safely can, never writes, and says where the file is and what to do.
 */

let dirs: { dir: string; env: Record<string, string> } | undefined;
let h: Harness | undefined;
const mounts: string[] = [];
afterEach(async () => {
  for (const m of mounts.splice(0)) execFileSync('umount', [m]);
  await h?.close();
  h = undefined;
  if (dirs) fs.rmSync(dirs.dir, { recursive: true, force: true });
  dirs = undefined;
});

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function memoryFile(env: Record<string, string>, rows = 300): string {
  const file = path.join(env.AIOS_CONFIG_DIR!, 'gpt', 'memory.db');
  const store = new MemoryStore(file);
  for (let i = 0; i < rows; i++) store.create(`memory number ${i} ${'lorem ipsum '.repeat(20)}`);
  store.close();
  // One file, no -wal beside it: what dd damages is all there is.
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return file;
}

function damage(file: string): void {
  execFileSync('dd', ['if=/dev/urandom', `of=${file}`, 'bs=4096', 'seek=3', 'count=4', 'conv=notrunc'], { stdio: 'ignore' });
}

describe('a damaged memory file', () => {
  it('aios memory add exits non-zero naming the file and the recovery, and does not write', () => {
    dirs = makeDirs();
    const file = memoryFile(dirs.env);
    damage(file);
    const before = sha(file);
    const r = runAios(['memory', 'add', 'should not be written'], dirs.env);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/corrupt/);
    expect(r.stderr).toContain('aios memory recover');
    expect(r.stderr).toContain('.recover');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no JavaScript stack
    expect(sha(file)).toBe(before);
    expect(fs.existsSync(`${file}-wal`) && fs.statSync(`${file}-wal`).size > 0).toBe(false);
  });

  it('doctor says it is damaged (not "ok"), gives the recovery, and leaves the file byte for byte', () => {
    dirs = makeDirs();
    const file = memoryFile(dirs.env);
    damage(file);
    const before = sha(file);
    const r = runAios(['doctor'], dirs.env);
    const memory = r.stdout.slice(r.stdout.indexOf('memory'));
    expect(memory).toMatch(/aios memory recover/);
    expect(r.stdout).not.toMatch(/quick_check ok/);
    expect(sha(file)).toBe(before);
  }, 60_000);

  it('aios memory recover writes the readable rows to a new file and leaves the damaged one', () => {
    dirs = makeDirs();
    const file = memoryFile(dirs.env);
    damage(file);
    const before = sha(file);
    const r = runAios(['memory', 'recover'], dirs.env);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const target = /into (\S+)/.exec(r.stdout)![1]!;
    expect(sha(file)).toBe(before);
    const rec = new Database(target, { readonly: true });
    expect(rec.pragma('quick_check', { simple: true })).toBe('ok');
    expect(rec.prepare('SELECT count(*) FROM memories').pluck().get()).toBeGreaterThan(0);
    rec.close();
  });

  it('the chat says the file is damaged with its path; the status bar does not call it fine', async () => {
    dirs = makeDirs();
    const file = memoryFile(dirs.env);
    damage(file);
    const before = sha(file);
    h = await startHarness({ ai: { base_url: 'http://127.0.0.1:9/v1', model: 'x' }, lists: {}, dirs });
    dirs = undefined; // the harness removes the folder
    await h.call('chat.state', {});
    const notices = h.events.filter((e) => e.name === 'chat.notice').map((e) => (e.payload as { message: string }).message);
    expect(notices.join('\n')).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*corrupt.*aios memory recover`));
    const status = (await h.call('app.status', {})) as { memory: { kind: string; problem: string | null } };
    expect(status.memory.kind).toBe('off');
    expect(status.memory.problem).toMatch(/corrupt/);
    expect(sha(file)).toBe(before);
  });
});

describe('a damaged memory file in aios chat', () => {
  it('the TTY says what is wrong, where, and how to recover: no JavaScript stack', async () => {
    dirs = makeDirs();
    const file = memoryFile(dirs.env);
    damage(file);
    const before = sha(file);
    fs.writeFileSync(path.join(dirs.env.AIOS_CONFIG_DIR!, 'config.toml'), '[ai]\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n');
    const chat = startChat(chatEnv(dirs.env), path.join(dirs.dir, 'work'));
    try {
      await chat.waitFor(/\[aios\] > $/, 0, 30_000);
      const text = chat.text();
      expect(text).toContain(file);
      expect(text).toMatch(/corrupt/);
      expect(text).toContain('aios memory recover');
      expect(text).not.toMatch(/\n\s+at \S+ \(/);
    } finally {
      chat.kill();
      await chat.exited;
    }
    expect(sha(file)).toBe(before);
  }, 60_000);
});

describe('a memory file from a newer aios', () => {
  it('is opened read-only: memories are read, nothing is written, the version is never lowered', () => {
    dirs = makeDirs();
    const file = memoryFile(dirs.env, 3);
    const db = new Database(file);
    db.prepare("UPDATE aios_meta SET value = '7' WHERE key = 'schema_version'").run();
    db.close();
    const list = runAios(['memory', 'count'], dirs.env);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout.trim()).toBe('3');
    const add = runAios(['memory', 'add', 'x'], dirs.env);
    expect(add.status).not.toBe(0);
    expect(add.stderr).toMatch(/newer aios.*schema_version is 7.*update aios/);
    const after = new Database(file, { readonly: true });
    expect(after.prepare("SELECT value FROM aios_meta WHERE key = 'schema_version'").pluck().get()).toBe('7');
    expect(after.prepare('SELECT count(*) FROM memories').pluck().get()).toBe(3);
    after.close();
    const doctor = runAios(['doctor'], dirs.env);
    expect(doctor.stdout).toMatch(/newer aios \(schema v7/);
  }, 60_000);
});

describe('a memory folder that cannot be written', () => {
  it('memory stays readable and is called read-only, not unreadable; doctor says it cannot write', () => {
    dirs = makeDirs();
    const file = memoryFile(dirs.env, 2);
    const folder = path.dirname(file);
    // A read-only bind mount: refuses writes even to root, as a read-only share or disk would.
    execFileSync('mount', ['--bind', folder, folder]);
    mounts.push(folder);
    execFileSync('mount', ['-o', 'remount,ro,bind', folder]);
    const count = runAios(['memory', 'count'], dirs.env);
    expect(count.status, count.stderr).toBe(0);
    expect(count.stdout.trim()).toBe('2');
    const add = runAios(['memory', 'add', 'x'], dirs.env);
    expect(add.status).not.toBe(0);
    expect(add.stderr).toMatch(/read-only/);
    expect(add.stderr).not.toMatch(/unreadable/);
    const doctor = runAios(['doctor'], dirs.env);
    expect(doctor.stdout).toMatch(/cannot write: read-only file system/);
  }, 60_000);
});
