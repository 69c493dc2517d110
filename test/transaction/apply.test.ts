import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApplyFailed, applySteps, JOURNAL } from '../../src/core/transaction/apply';
import type { Step } from '../../src/core/transaction/types';
import { treeHash } from './support';

/**
 * The commit's steps, journalled all before the first real path changes and
 * synced once or twice rather than once per path: a step that fails still
 * reverses every step taken, files kept by link and folders moved aside.
 */

let base: string;
afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

function scratch() {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-apply-'));
  const real = path.join(base, 'real');
  const up = path.join(base, 'up');
  const rec = path.join(base, 'rec');
  for (const d of [path.join(real, 'dir/deep'), up, rec]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(real, 'a.txt'), 'old a\n');
  fs.writeFileSync(path.join(real, 'dir/deep/f'), 'in the folder\n');
  fs.writeFileSync(path.join(real, 'c.txt'), 'old c\n');
  fs.writeFileSync(path.join(up, 'a.txt'), 'new a\n');
  fs.writeFileSync(path.join(up, 'b.txt'), 'new b\n');
  return { real, up, rec };
}

describe('applying a change set', () => {
  it('journals every step before the first change, and lands them in order', () => {
    const { real, up, rec } = scratch();
    const steps: Step[] = [
      { path: path.join(real, 'a.txt'), to: { kind: 'node', from: path.join(up, 'a.txt') } },
      { path: path.join(real, 'b.txt'), to: { kind: 'node', from: path.join(up, 'b.txt') } },
      { path: path.join(real, 'dir'), to: { kind: 'absent' } },
    ];
    const entries = applySteps(steps, rec);
    expect(entries.map((e) => [path.basename(e.path), e.before.kind])).toEqual([
      ['a.txt', 'node'],
      ['b.txt', 'absent'],
      ['dir', 'node'],
    ]);
    const journal = fs
      .readFileSync(path.join(rec, JOURNAL), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { path: string });
    expect(journal.map((j) => path.basename(j.path))).toEqual(['a.txt', 'b.txt', 'dir']);
    expect(fs.readFileSync(path.join(real, 'a.txt'), 'utf8')).toBe('new a\n');
    expect(fs.existsSync(path.join(real, 'dir'))).toBe(false);
    expect(fs.readFileSync(path.join(rec, 'pre/2/deep/f'), 'utf8')).toBe('in the folder\n');
  });

  it('a step that fails reverses every step taken: files, a folder moved aside, a file added', () => {
    const { real, up, rec } = scratch();
    const before = treeHash(real);
    const steps: Step[] = [
      { path: path.join(real, 'a.txt'), to: { kind: 'node', from: path.join(up, 'a.txt') } },
      { path: path.join(real, 'b.txt'), to: { kind: 'node', from: path.join(up, 'b.txt') } },
      { path: path.join(real, 'dir'), to: { kind: 'absent' } },
      // Its new state is gone from the upper layer: moving it into place fails after the others landed.
      { path: path.join(real, 'c.txt'), to: { kind: 'node', from: path.join(up, 'missing') } },
    ];
    expect(() => applySteps(steps, rec)).toThrow(ApplyFailed);
    expect(() => applySteps(steps, fs.mkdtempSync(path.join(base, 'rec2-')))).toThrow(/nothing was changed/);
    expect(treeHash(real)).toEqual(before);
  });
});
