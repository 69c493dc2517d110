/**
 * A transaction over a folder that holds aios's own state folder (the
 * default: /var holds /var/lib/aios, where the upper layers are made). Where
 * overlayfs takes an upper layer inside its own lower layer and refuses every
 * lookup of it (Linux 5.2 and later, probed once), the folder is overlaid
 * whole, with the state folder covered in the jail as before, rather than
 * split into an overlay per child around it: fewer overlays, and what lies
 * directly in the split folders (/var, /var/lib) is written and committed
 * like anything else instead of being read-only. Real files, real overlayfs,
 * real runc or crun.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nestedLayersTrapped } from '../../src/core/jail/preview';
import { commitTransaction, discardTransaction, UndoStore } from '../../src/core/transaction';
import { beginScratch, canRun, removeScratch, SCRATCH_LIMITS as limits, scratchMachine, treeHash } from './support';

let base: string;
let machine: string;
let store: UndoStore;
beforeEach(() => {
  ({ base, machine } = scratchMachine('aios-tx-nested-'));
  // The state folder inside the overlaid machine, as /var/lib/aios is inside /var.
  store = new UndoStore(path.join(machine, 'var/lib/aios'));
});
afterEach(async () => {
  await removeScratch(base);
});

describe.skipIf(!canRun)('a transaction over the folder that holds the state folder', () => {
  it('overlays it whole where the kernel traps nested layers, and what lies directly beside the state folder is captured and committed', async () => {
    store.ensure();
    expect(nestedLayersTrapped(store.scratch)).toBe(true);
    const p = await beginScratch(store, machine, 'echo lib > ../../var/lib/direct.txt && echo var > ../../var/new.txt');
    expect(p.exitCode, p.stderr).toBe(0);
    // One overlay, the machine's, not one per child of it, of var and of var/lib.
    expect(p.run.targets.map((t) => t.dir)).toEqual([machine]);
    expect(p.effects.map((e) => [path.relative(machine, e.path), e.change]).sort()).toEqual([
      ['var/lib/direct.txt', 'added'],
      ['var/new.txt', 'added'],
    ]);
    const c = commitTransaction(store, p, { command: 'x', cwd: machine, limits });
    expect(c.record?.entries.length).toBe(2);
    expect(fs.readFileSync(path.join(machine, 'var/lib/direct.txt'), 'utf8')).toBe('lib\n');
    expect(fs.readFileSync(path.join(machine, 'var/new.txt'), 'utf8')).toBe('var\n');
  });

  it('keeps the state folder out of sight and out of reach: its records, its scratch, this run’s own layers', async () => {
    store.ensure();
    const first = await beginScratch(store, machine, 'echo a > a.txt');
    const made = commitTransaction(store, first, { command: 'a', cwd: machine, limits });
    expect(made.record).not.toBeNull();
    const records = treeHash(store.records);
    const s = path.relative(path.join(machine, 'home/me'), store.root);
    const p = await beginScratch(
      store,
      machine,
      `echo "[$(ls -A ${s})]"; ls ${s}/records >/dev/null 2>&1 && echo RECORDS; ls ${s}/scratch >/dev/null 2>&1 && echo SCRATCH; ` +
        `echo x > ${s}/planted 2>/dev/null && echo WROTE; true`,
    );
    expect(p.exitCode, p.stderr).toBe(0);
    // An empty, read-only folder in its place: no records, no scratch (where this run's upper layers are), no write.
    expect(p.stdout).toBe('[]\n');
    expect(p.effects).toEqual([]);
    await discardTransaction(p);
    expect(fs.existsSync(path.join(store.root, 'planted'))).toBe(false);
    expect(treeHash(store.records)).toEqual(records);
  });
});
