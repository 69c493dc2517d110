/**
 * What a transaction does besides running the command happens inside aios:
 * extended attributes are read, written and removed without a process (each
 * spawn costs aios a fork of its whole memory), and the spent run's upper
 * layers go from disk off the event loop, with a promise that says when.
 * Real files, real overlayfs, real runc or crun.
 */
import type * as childProcess from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { preparedLayerFolders } from '../../src/core/jail/layer-pool';
import { spentRunsRemoved } from '../../src/core/jail/preview';
import { beginTransaction, commitTransaction, discardTransaction, UndoStore } from '../../src/core/transaction';
import { readEffects } from '../../src/core/transaction/effects';
import { readXattrs, removeXattrs, writeXattrs } from '../../src/core/transaction/xattrs';
import { canRun, makeMachine, removeScratch } from './support';

const { spawned } = vi.hoisted(() => ({ spawned: [] as string[] }));
vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<typeof childProcess>();
  const note =
    <F extends (...a: never[]) => unknown>(f: F) =>
    (...a: Parameters<F>) => {
      spawned.push(String(a[0]));
      return f(...a);
    };
  return {
    ...real,
    default: real,
    spawn: note(real.spawn),
    spawnSync: note(real.spawnSync),
    execFile: note(real.execFile),
    execFileSync: note(real.execFileSync),
  };
});

const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C' };
const limits = { maxBytes: 1 << 30, maxAgeMs: 86_400_000 };

let base: string;
let machine: string;
let store: UndoStore;
beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-tx-inproc-'));
  machine = path.join(base, 'machine');
  makeMachine(machine);
  store = new UndoStore(path.join(base, 'state'));
});
afterEach(async () => {
  await removeScratch(base);
});

const run = (command: string) =>
  beginTransaction(store, { command, cwd: path.join(machine, 'home/me'), env, paths: [machine], network: false, timeoutMs: 20_000 });

describe.skipIf(!canRun)('a transaction, inside aios', () => {
  it("reads, writes and removes a symlink's own attributes, never its target's", () => {
    const target = path.join(base, 'target');
    const link = path.join(base, 'link');
    fs.writeFileSync(target, 'x');
    fs.symlinkSync(target, link);
    writeXattrs(new Map([[target, { 'trusted.t': Buffer.from('target').toString('base64') }]]));
    writeXattrs(new Map([[link, { 'trusted.a': Buffer.from('1').toString('base64'), 'trusted.b': '' }]]));
    expect(readXattrs([link, target, path.join(base, 'gone')])).toEqual(
      new Map([
        [link, { 'trusted.a': Buffer.from('1').toString('base64'), 'trusted.b': '' }],
        [target, { 'trusted.t': Buffer.from('target').toString('base64') }],
      ]),
    );
    // Exactly these: the others go.
    writeXattrs(new Map([[link, { 'trusted.c': Buffer.from([0, 255]).toString('base64') }]]));
    expect(readXattrs([link]).get(link)).toEqual({ 'trusted.c': 'AP8=' });
    removeXattrs(new Map([[link, ['trusted.c']]]));
    expect(readXattrs([link]).has(link)).toBe(false);
    expect(readXattrs([target]).get(target)).toEqual({ 'trusted.t': Buffer.from('target').toString('base64') });
    expect(() => removeXattrs(new Map([[link, ['trusted.c']]]))).toThrow(link);
  });

  it('reads the effects and commits them without starting a process', async () => {
    const p = await run(
      'echo changed > notes/b.txt && setfattr -n user.more -v y notes/b.txt && cp ../../usr/bin/tool ../../usr/bin/capped && setcap cap_net_raw+ep ../../usr/bin/capped && rm -rf notes/deep && mkdir notes/deep',
    );
    expect(p.exitCode, p.stderr).toBe(0);
    // The count sees processes: the run itself started some.
    expect(spawned.length).toBeGreaterThan(0);
    // The upper layer carries overlayfs's own attributes (the changed file's origin, the opaque folder): removed in the commit.
    expect(p.overlayAttrs.size).toBeGreaterThan(0);
    spawned.length = 0;
    const again = readEffects(p.run.targets);
    expect(again.effects).toEqual(p.effects);
    const c = commitTransaction(store, p, { command: 'x', cwd: machine, limits });
    expect(spawned).toEqual([]);
    expect(c.record).not.toBeNull();
    expect(readXattrs([path.join(machine, 'home/me/notes/b.txt')]).get(path.join(machine, 'home/me/notes/b.txt'))).toEqual({
      'user.origin': Buffer.from('kept').toString('base64'),
      'user.more': Buffer.from('y').toString('base64'),
    });
    expect(Object.keys(readXattrs([path.join(machine, 'usr/bin/capped')]).get(path.join(machine, 'usr/bin/capped')) ?? {})).toEqual([
      'security.capability',
    ]);
    expect(fs.readdirSync(path.join(machine, 'home/me/notes/deep'))).toEqual([]);
  });

  it("removes the spent run after the commit's answer, and says when it is gone", async () => {
    const p = await run('echo x > new.txt');
    commitTransaction(store, p, { command: 'x', cwd: machine, limits });
    // Not removed before the answer: the removal runs on libuv's threads afterwards.
    expect(fs.existsSync(p.run.stateDir)).toBe(true);
    await spentRunsRemoved();
    expect(fs.existsSync(p.run.stateDir)).toBe(false);
    // Nothing but the next run's layer folders, made ahead (jail/layer-pool.ts).
    expect(fs.readdirSync(store.scratch).map((n) => path.join(store.scratch, n))).toEqual(preparedLayerFolders(store.scratch));

    const d = await run('echo y > other.txt');
    const removed = discardTransaction(d);
    expect(fs.existsSync(d.run.stateDir)).toBe(true);
    await removed;
    expect(fs.existsSync(d.run.stateDir)).toBe(false);
    expect(fs.existsSync(path.join(machine, 'home/me/other.txt'))).toBe(false);
  });
});
