import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ociRuntime } from '../../src/core/jail/oci-runtime';
import { removeRun, runInOverlay } from '../../src/core/jail/preview';
import { comparableMounts, dropRuntimeNamespace, heldNamespacePid } from '../../src/core/jail/runtime-namespace';
import { repoRoot } from '../support/process';
import { makeTempDir, waitFor, type TempDir } from '../support/temp';

/**
 * crun's prelude (the cgroup v2 tree unmounted on a hybrid layout) is done
 * once, in a mount namespace kept for the next runs, instead of in a
 * namespace made and torn down by every run. These check that the kept one
 * is used again, that a mount made on the machine meanwhile makes it be made
 * again (a run sees the mounts aios planned from), and that it ends with aios.
 */

const MOUNTINFO = [
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
  '40 27 0:35 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
  '41 27 0:36 / /proc rw - proc proc rw',
].join('\n');

describe('comparing two mount tables', () => {
  it('is equal for the same mounts under other ids, and differs when a mount is added, moved or another device', () => {
    const renumbered = MOUNTINFO.replace(/^(\d+) (\d+)/gm, (_, a: string, b: string) => `${Number(a) + 500} ${Number(b) + 500}`);
    expect(comparableMounts(renumbered)).toBe(comparableMounts(MOUNTINFO));
    const added = `${MOUNTINFO}\n50 27 0:60 / /mnt/data rw - tmpfs tmpfs rw`;
    expect(comparableMounts(added)).not.toBe(comparableMounts(MOUNTINFO));
    expect(comparableMounts(MOUNTINFO.replace('254:0 / /', '254:1 / /'))).not.toBe(comparableMounts(MOUNTINFO));
    expect(comparableMounts(MOUNTINFO.replace('0:36 / /proc', '0:36 /sub /proc'))).not.toBe(comparableMounts(MOUNTINFO));
    // The tree the prelude unmounted is left out of the comparison, and only it.
    const without = MOUNTINFO.split('\n')
      .filter((l) => !l.includes('unified'))
      .join('\n');
    expect(comparableMounts(without, ['/sys/fs/cgroup/unified'])).toBe(comparableMounts(MOUNTINFO, ['/sys/fs/cgroup/unified']));
    expect(comparableMounts(without)).not.toBe(comparableMounts(MOUNTINFO));
  });
});

const isRoot = process.getuid?.() === 0;
const withPrelude = isRoot && (ociRuntime()?.prelude ?? '') !== '';

let tmp: TempDir | undefined;
afterEach(() => {
  tmp?.cleanup();
  tmp = undefined;
});

/** Ended (a zombie not yet reaped counts: it holds nothing). */
const gone = (pid: string) => {
  try {
    return / Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ')'));
  } catch {
    return true;
  }
};

const run = (cwd: string, command: string) =>
  runInOverlay({ command, cwd, env: { PATH: '/usr/bin:/bin' }, paths: [], timeoutMs: 20_000, stateBase: path.join(cwd, '..', 'state') });

describe.skipIf(!withPrelude)("the runtime's kept namespace (crun on a hybrid cgroup layout, as root)", () => {
  it('is entered by the next run, and made again when a mount was made meanwhile, which the run then sees', async () => {
    tmp = makeTempDir('aios-runtime-ns-');
    const tree = tmp.join('tree');
    const mnt = tmp.join('tree/mnt');
    fs.mkdirSync(mnt, { recursive: true });
    fs.mkdirSync(tmp.join('state'));
    dropRuntimeNamespace();
    const first = await run(tree, 'echo one > a');
    removeRun(first);
    expect(first.setupError).toBeNull();
    expect(first.exitCode).toBe(0);
    expect(first.targets.map((t) => t.dir)).toEqual([fs.realpathSync(tree)]);
    const pid = heldNamespacePid();
    expect(pid).not.toBeNull();
    // Its cgroup v2 tree is gone (crun ran in it), aios's is not.
    expect(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8')).not.toContain(' /sys/fs/cgroup/unified ');
    const second = await run(tree, 'echo two > a');
    removeRun(second);
    expect(second.exitCode).toBe(0);
    expect(heldNamespacePid()).toBe(pid);

    // A mount made after the namespace was: the next run must see it (a copy made earlier would show the folder below).
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'aios-test', mnt]).status).toBe(0);
    try {
      fs.writeFileSync(path.join(mnt, 'marker'), 'on the new mount\n');
      const third = await run(tree, 'cat mnt/marker > seen');
      const seen = fs.readFileSync(path.join(third.targets[0]?.upper ?? '/nonexistent', 'seen'), 'utf8');
      removeRun(third);
      expect(third.targets.map((t) => t.dir)).toEqual([fs.realpathSync(tree), fs.realpathSync(mnt)]);
      expect(third.exitCode).toBe(0);
      expect(seen).toBe('on the new mount\n');
      expect(heldNamespacePid()).not.toBe(pid);
      await waitFor(() => gone(String(pid)), 10_000, 'the replaced namespace process to end');
    } finally {
      spawnSync('umount', ['--lazy', mnt]);
    }
  }, 60_000);

  it('ends with aios: kill -9 of the process holding a preview ends the kept namespace too', async () => {
    tmp = makeTempDir('aios-runtime-ns-kill-');
    const tag = `${5000 + (process.pid % 997)}.41`;
    const aios = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'oci-lifeline-driver.mts'), tmp.path, `sleep ${tag}`],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      },
    );
    try {
      await new Promise<void>((resolve) => aios.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolve()));
      const held = spawnSync('pgrep', ['-P', String(aios.pid), '-f', 'echo ready'], { encoding: 'utf8' }).stdout.trim();
      expect(held).toMatch(/^\d+$/);
      aios.kill('SIGKILL');
      await waitFor(() => gone(held), 10_000, 'the kept namespace process to end');
    } finally {
      aios.kill('SIGKILL');
      spawnSync('pkill', ['-KILL', '-f', `sleep ${tag}`]);
      for (const n of fs.readdirSync('/dev/shm').filter((d) => d.startsWith(`aios-preview-${aios.pid}-`)))
        fs.rmSync(path.join('/dev/shm', n), { recursive: true, force: true });
    }
  }, 60_000);
});
