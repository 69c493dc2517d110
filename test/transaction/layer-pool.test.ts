/**
 * A transaction's upper and work folders are made ahead, after the last run's
 * are removed, off the command's path (jail/layer-pool.ts): made safely (mode
 * 700, aios's, empty, in the state folder's scratch, named as a run's state
 * folder so a killed aios's are swept), handed out once and never again, and
 * not taken when they are not as they were made. The container's own files
 * (its root, bundle, runtime state, output) are on tmpfs, not on disk beside
 * the layers. Real files, real overlayfs, real runc or crun.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { preparedLayerFolders } from '../../src/core/jail/layer-pool';
import { defaultStateBase, spentRunsRemoved, sweepStale } from '../../src/core/jail/preview';
import { commitTransaction, type UndoStore } from '../../src/core/transaction';
import { beginScratch, canRun, removeScratch, SCRATCH_LIMITS as limits, scratchMachine } from './support';

let base: string;
let machine: string;
let store: UndoStore;
beforeEach(() => ({ base, machine, store } = scratchMachine('aios-tx-pool-')));
afterEach(async () => {
  await removeScratch(base);
});

async function runAndCommit(command: string) {
  const p = await beginScratch(store, machine, command);
  expect(p.exitCode, p.stderr).toBe(0);
  commitTransaction(store, p, { command, cwd: machine, limits });
  return p;
}

const onExt4 = spawnSync('findmnt', ['-T', os.tmpdir(), '-no', 'FSTYPE'], { encoding: 'utf8' }).stdout.trim() === 'ext4';
/** The attribute letters of a folder itself (lsattr -d). */
const lsattr = (dir: string) => spawnSync('lsattr', ['-d', dir], { encoding: 'utf8' }).stdout.split(' ')[0] ?? '';

const emptyFolders = (dir: string) =>
  fs.readdirSync(dir).map((n) => {
    const st = fs.lstatSync(path.join(dir, n));
    return [n, st.isDirectory() && !st.isSymbolicLink(), fs.readdirSync(path.join(dir, n)).length] as const;
  });

describe.skipIf(!canRun)("a transaction's layer folders, made ahead", () => {
  it('makes the next run’s folders after the answer, safely, and hands each out once', async () => {
    const a = await runAndCommit('echo a > a.txt');
    // The container's files on tmpfs, apart from the layers.
    expect(a.run.runDir && path.dirname(a.run.runDir)).toBe(defaultStateBase());
    expect(path.dirname(a.run.stateDir)).toBe(store.scratch);
    const own = ['bundle', 'oci', 'root', 'stderr', 'stdout'];
    expect(fs.readdirSync(a.run.stateDir).filter((n) => own.includes(n))).toEqual([]);
    expect(
      fs
        .readdirSync(a.run.runDir!)
        .filter((n) => own.includes(n))
        .sort(),
    ).toEqual(own);
    await spentRunsRemoved();
    expect(fs.existsSync(a.run.stateDir)).toBe(false);
    expect(fs.existsSync(a.run.runDir!)).toBe(false);

    const [ahead] = preparedLayerFolders(store.scratch);
    expect(ahead).toBeDefined();
    expect(path.basename(ahead!)).toMatch(new RegExp(`^aios-preview-${process.pid}-`));
    const st = fs.lstatSync(ahead!);
    expect([st.isDirectory(), st.uid, st.mode & 0o7777]).toEqual([true, 0, 0o700]);
    const n = a.run.targets.length;
    for (const side of ['up', 'work'])
      expect(emptyFolders(path.join(ahead!, side))).toEqual(Array.from({ length: n }, (_, i) => [String(i), true, 0]));

    const b = await runAndCommit('echo b > b.txt');
    expect(b.run.stateDir).toBe(ahead);
    // Its upper folder took the real folder's owner and mode, as a new one does.
    const real = fs.statSync(b.run.targets[0]!.dir);
    const up = fs.statSync(b.run.targets[0]!.upper);
    expect([up.uid, up.gid, up.mode & 0o7777]).toEqual([real.uid, real.gid, real.mode & 0o7777]);
    expect(b.effects.map((e) => path.basename(e.path))).toEqual(['b.txt']);
    await spentRunsRemoved();
    const next = preparedLayerFolders(store.scratch);
    expect(next).toHaveLength(1);
    expect(next).not.toContain(ahead);
    const c = await runAndCommit('echo c > c.txt');
    expect([a.run.stateDir, ahead]).not.toContain(c.run.stateDir);
    expect(c.run.stateDir).toBe(next[0]);
  });

  it('does not take a folder made ahead that something changed, and what was put there is never seen', async () => {
    await runAndCommit('echo a > a.txt');
    await spentRunsRemoved();
    const [ahead] = preparedLayerFolders(store.scratch);
    fs.writeFileSync(path.join(ahead!, 'up', '0', 'planted.txt'), 'not the command’s');
    const b = await runAndCommit('echo b > b.txt');
    expect(b.run.stateDir).not.toBe(ahead);
    expect(b.effects.map((e) => path.basename(e.path))).toEqual(['b.txt']);
    expect(fs.existsSync(path.join(machine, 'planted.txt'))).toBe(false);
    await spentRunsRemoved();
    expect(fs.existsSync(ahead!)).toBe(false);

    // A layer folder swapped for a link to an empty folder elsewhere: not taken either, and the folder it pointed to untouched.
    const [next] = preparedLayerFolders(store.scratch);
    const elsewhere = path.join(base, 'elsewhere');
    fs.mkdirSync(elsewhere, { mode: 0o755 });
    fs.rmdirSync(path.join(next!, 'up', '0'));
    fs.symlinkSync(elsewhere, path.join(next!, 'up', '0'));
    const c = await runAndCommit('echo c > c.txt');
    expect(c.run.stateDir).not.toBe(next);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    expect(fs.statSync(elsewhere).mode & 0o7777).toBe(0o755);
  });

  it.skipIf(!onExt4)(
    'puts each run’s folder in a block group of its own on ext4 (the scratch folder marked as a top of a hierarchy)',
    async () => {
      expect(lsattr(store.root)).not.toContain('T');
      await runAndCommit('echo a > a.txt');
      expect(lsattr(store.scratch)).toContain('T');
      // Not passed on to what is made in it.
      await spentRunsRemoved();
      expect(lsattr(preparedLayerFolders(store.scratch)[0]!)).not.toContain('T');
    },
  );

  it('leaves what a killed aios made ahead to the next start’s sweep', async () => {
    await runAndCommit('echo a > a.txt');
    await spentRunsRemoved();
    const [ahead] = preparedLayerFolders(store.scratch);
    // As if made by a process that is gone (pid 2^22 + 1 is past the kernel's largest).
    const orphan = path.join(store.scratch, `aios-preview-4194305-${path.basename(ahead!).split('-').pop()}`);
    fs.renameSync(ahead!, orphan);
    sweepStale(store.scratch, false);
    expect(fs.existsSync(orphan)).toBe(false);
  });
});
