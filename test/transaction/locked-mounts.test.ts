/**
 * In a user namespace (an nspawn machine), mounts made outside it are locked
 * and overlayfs refuses a layer with one beneath it: a transaction overlays
 * around them, child by child, instead of leaving the whole folder read-only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockedMounts } from '../../src/core/transaction/locked-mounts';
import { overlayAround } from '../../src/core/transaction/targets';

const mounts = [
  { dir: '/', fstype: 'ext4' },
  { dir: '/proc', fstype: 'proc' },
  { dir: '/tmp', fstype: 'tmpfs' },
  { dir: '/home/ai/.config/syui/ai', fstype: 'ext4' },
  { dir: '/etc/localtime', fstype: 'ext4' },
];

describe('locked mounts', () => {
  it('are none on the host (the first user namespace), and every non-kernel mount but / in a machine', () => {
    expect(lockedMounts('         0          0 4294967295\n', mounts)).toEqual([]);
    expect(lockedMounts('         0  524288000      65536\n', mounts)).toEqual(['/tmp', '/home/ai/.config/syui/ai', '/etc/localtime']);
  });
});

describe('overlayAround several places', () => {
  let base: string;
  beforeEach(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-tx-around-')));
    for (const d of ['home/ai/work/notes', 'home/ai/.config/syui/ai', 'home/ai/.config/other', 'var/lib/aios/transactions', 'var/lib/dpkg'])
      fs.mkdirSync(path.join(base, d), { recursive: true });
    fs.writeFileSync(path.join(base, 'home/ai/plan.txt'), 'plan\n');
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('splits each folder that holds one, child by child, and leaves the others whole', () => {
    const out = overlayAround(
      [path.join(base, 'home'), path.join(base, 'var'), path.join(base, 'etc-missing')],
      [path.join(base, 'var/lib/aios/transactions'), path.join(base, 'home/ai/.config/syui/ai')],
    );
    expect(out.map((d) => path.relative(base, d)).sort()).toEqual(['home/ai/.config/other', 'home/ai/work', 'var/lib/dpkg']);
  });
});
