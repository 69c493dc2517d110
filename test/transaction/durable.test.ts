/**
 * What the cheaper transaction keeps: its overlays are mounted `volatile`
 * (no sync of the disk per overlaid folder at unmount), and the commit still
 * lands every file byte for byte, a few and many; a directory deleted and
 * made again (opaque, read with the other attributes) replaces the old one
 * whole; the jail's /etc/shadow shows no hash; a folder gone between the
 * plan and runc's start (another program's scratch space on a busy machine)
 * is planned without on the next try. Real runc, real overlayfs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeRun, runInOverlay } from '../../src/core/jail/preview';
import { commitTransaction, undoRecord, type UndoStore } from '../../src/core/transaction';
import { beginScratch, canRun, removeScratch, SCRATCH_ENV as env, SCRATCH_LIMITS as limits, scratchMachine, treeHash } from './support';

const major = Number(os.release().split('.')[0]);
const minor = Number(os.release().split('.')[1]);
const volatileKernel = major > 5 || (major === 5 && minor >= 10);

let base: string;
let machine: string;
let store: UndoStore;
beforeEach(() => ({ base, machine, store } = scratchMachine('aios-tx-durable-')));
afterEach(async () => {
  await removeScratch(base);
});

const begin = (command: string) => beginScratch(store, machine, command);
const commit = (p: Awaited<ReturnType<typeof begin>>, command: string) => commitTransaction(store, p, { command, cwd: machine, limits });

describe.skipIf(!canRun)('transactions: volatile overlays, the commit still durable and whole', () => {
  it.skipIf(!volatileKernel)("mounts the transaction's overlays volatile", async () => {
    const p = await begin(`grep " ${machine} " /proc/self/mountinfo`);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/ overlay overlay .*volatile/);
  });

  it('lands a few files and many files (past the one-by-one sync) byte for byte, and undoes them', async () => {
    const h0 = treeHash(machine);
    const few = 'echo one > ../../etc/app/one.conf && echo two > ../../etc/app/app.conf';
    const many = 'mkdir ../../var/lib/many && for i in $(seq 40); do echo "file $i" > ../../var/lib/many/f$i; done';
    const a = await begin(few);
    expect(a.exitCode, a.stderr).toBe(0);
    // A few files were synced together as the command ended; many are left to the commit's one sync of their disk.
    expect(a.durable).toBe(true);
    const ca = commit(a, few);
    const b = await begin(many);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(b.durable).toBe(false);
    const cb = commit(b, many);
    expect(fs.readFileSync(path.join(machine, 'etc/app/app.conf'), 'utf8')).toBe('two\n');
    expect(fs.readFileSync(path.join(machine, 'etc/app/one.conf'), 'utf8')).toBe('one\n');
    expect(fs.readdirSync(path.join(machine, 'var/lib/many'))).toHaveLength(40);
    expect(fs.readFileSync(path.join(machine, 'var/lib/many/f40'), 'utf8')).toBe('file 40\n');
    undoRecord(store, cb.record!.id);
    undoRecord(store, ca.record!.id);
    expect(treeHash(machine)).toEqual(h0);
  });

  it('a directory deleted and made again replaces the old one whole', async () => {
    const cmd = 'rm -rf ../../etc/app && mkdir ../../etc/app && echo only > ../../etc/app/only.conf';
    const p = await begin(cmd);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(p.run.targets.some((t) => t.opaque?.has('etc/app'))).toBe(true);
    commit(p, cmd);
    expect(fs.readdirSync(path.join(machine, 'etc/app'))).toEqual(['only.conf']);
  });

  it('shows the jail an /etc/shadow without a single hash', async () => {
    const p = await begin('cat /etc/shadow');
    expect(p.exitCode, p.stderr).toBe(0);
    const real = fs.readFileSync('/etc/shadow', 'utf8');
    expect(p.stdout).toBe(real.replace(/^([^:\n]*):[^:\n]*:/gm, '$1:*:'));
    for (const line of p.stdout.split('\n').filter(Boolean)) expect(line.split(':')[1]).toBe('*');
  });

  it('a folder that vanishes between the plan and the start is planned without on the next try', async () => {
    // A folder at the top of / is bound read-only into the jail one by one: made for the test, gone before runc starts.
    const gone = fs.mkdtempSync('/aios-vanishing-');
    let starts = 0;
    try {
      const run = await runInOverlay({
        command: 'echo ok',
        cwd: machine,
        env,
        paths: [],
        timeoutMs: 20_000,
        stateBase: base,
        scratchOnDisk: true,
        beforeStart: () => {
          if (starts++ === 0) fs.rmdirSync(gone);
        },
      });
      try {
        expect(run.setupError).toBeNull();
        expect(starts).toBe(2);
        expect(run.exitCode).toBe(0);
      } finally {
        removeRun(run);
      }
    } finally {
      fs.rmSync(gone, { recursive: true, force: true });
    }
  });
});
