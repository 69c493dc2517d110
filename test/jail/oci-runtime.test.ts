import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseOciRuntime, findOnPath, mountFailure } from '../../src/core/jail/oci-runtime';
import { removeRun, runInOverlay } from '../../src/core/jail/preview';
import { repoRoot } from '../support/process';
import { makeTempDir, waitFor, type TempDir } from '../support/temp';

/**
 * The jail's OCI runtime is decided in one place: crun when it is installed,
 * runc otherwise (or when `AIOS_OCI_RUNTIME=runc` says so). The runs below
 * look at the real process that holds the container: its executable is the
 * chosen runtime, and under either one the command runs with its limits.
 */

let tmp: TempDir | undefined;
afterEach(() => {
  tmp?.cleanup();
  tmp = undefined;
  delete process.env.AIOS_OCI_RUNTIME;
});

function fakeBin(names: string[]): string {
  tmp = makeTempDir('aios-oci-');
  for (const n of names) {
    const f = tmp.join(n);
    fs.writeFileSync(f, '#!/bin/sh\n', { mode: 0o755 });
  }
  return tmp.path;
}

const plain = { hybrid: false, userNamespace: false };

describe('choosing the OCI runtime', () => {
  it('takes crun when both are there, runc when crun is not, and none when neither is', () => {
    const both = fakeBin(['crun', 'runc']);
    expect(chooseOciRuntime({}, both, plain)?.file).toBe(path.join(both, 'crun'));
    fs.rmSync(path.join(both, 'crun'));
    expect(chooseOciRuntime({}, both, plain)).toEqual({ name: 'runc', file: path.join(both, 'runc'), prelude: '' });
    fs.rmSync(path.join(both, 'runc'));
    expect(chooseOciRuntime({}, both, plain)).toBeNull();
  });

  it('follows AIOS_OCI_RUNTIME, and refuses a value it does not know', () => {
    const both = fakeBin(['crun', 'runc']);
    expect(chooseOciRuntime({ AIOS_OCI_RUNTIME: 'runc' }, both, plain)?.name).toBe('runc');
    expect(chooseOciRuntime({ AIOS_OCI_RUNTIME: 'crun' }, both, plain)?.name).toBe('crun');
    expect(() => chooseOciRuntime({ AIOS_OCI_RUNTIME: 'youki' }, both, plain)).toThrow(/must be "crun" or "runc"/);
    fs.rmSync(path.join(both, 'crun'));
    // Asked for crun and it is not there: none, not silently another one.
    expect(chooseOciRuntime({ AIOS_OCI_RUNTIME: 'crun' }, both, plain)).toBeNull();
  });

  it('unmounts the cgroup v2 tree for crun on a hybrid layout, and keeps runc where that cannot be done', () => {
    const both = fakeBin(['crun', 'runc']);
    expect(chooseOciRuntime({}, both, { hybrid: true, userNamespace: false })?.prelude).toBe('umount /sys/fs/cgroup/unified 2>/dev/null');
    expect(chooseOciRuntime({}, both, { hybrid: true, userNamespace: true })?.name).toBe('runc');
  });

  it("reads a failed mount from either runtime's words", () => {
    expect(mountFailure('mount `overlay` to `var/tmp/x/sub`: Invalid argument')).toEqual({
      source: 'overlay',
      target: '/var/tmp/x/sub',
      reason: 'Invalid argument',
    });
    expect(
      mountFailure(
        'unable to start container process: error during container init: error mounting "overlay" to rootfs at "/var/tmp/x/sub": invalid argument',
      ),
    ).toEqual({ source: 'overlay', target: '/var/tmp/x/sub', reason: 'invalid argument' });
    expect(mountFailure("error stat'ing file `/srv/gone`: No such file or directory")).toEqual({
      source: '/srv/gone',
      target: '/srv/gone',
      reason: 'No such file or directory',
    });
    expect(mountFailure('mount `/etc/localtime` to `etc/localtime`: Operation not permitted')?.target).toBe('/etc/localtime');
    expect(mountFailure('pivot_root: Device or resource busy')).toBeNull();
  });
});

const isRoot = process.getuid?.() === 0;
const crun = findOnPath('crun');
const runc = findOnPath('runc');

const fileId = (file: string) => {
  const st = fs.statSync(file);
  return `${st.dev}:${st.ino}`;
};

/** Runs `sleep` in the jail and returns the executable of the runtime process holding it, and what the run said. */
async function runtimeSeen(): Promise<{ exes: string[]; exitCode: number | null; wrote: string; memoryLimit: string | null }> {
  tmp = makeTempDir('aios-oci-run-');
  const base = tmp.join('state');
  const tree = tmp.join('tree');
  fs.mkdirSync(base);
  fs.mkdirSync(tree);
  const exes = new Set<string>();
  let memoryLimit: string | null = null;
  const running = runInOverlay({
    command: 'echo here > mark; sleep 2',
    cwd: tree,
    env: { PATH: '/usr/bin:/bin' },
    paths: [],
    timeoutMs: 20_000,
    stateBase: base,
  });
  await waitFor(
    () => {
      for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
        try {
          const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
          // The runtime itself, not the launchers before it (their argv carries the runtime's further on).
          const root = args.findIndex((a) => a.startsWith(`--root=${base}/`));
          if (root < 0 || root > 2 || !args.includes('run')) continue;
          // Its executable by identity: crun's reads as "/" through readlink from outside its mount namespace.
          exes.add(fileId(`/proc/${pid}/exe`));
          const id = args[args.length - 2] ?? '';
          memoryLimit = fs.readFileSync(`/sys/fs/cgroup/memory/${id}/memory.limit_in_bytes`, 'utf8').trim();
        } catch {
          // Gone meanwhile, or its cgroup not made yet.
        }
      }
      // The limit is written once the cgroup is made: wait for it (unset reads as the largest page-aligned number).
      return exes.size > 0 && memoryLimit !== null && BigInt(memoryLimit) < 2n ** 62n;
    },
    15_000,
    'the runtime process and its memory limit',
  );
  const run = await running;
  const wrote = fs.readFileSync(path.join(run.targets[0]?.upper ?? '/nonexistent', 'mark'), 'utf8');
  removeRun(run);
  return { exes: [...exes], exitCode: run.exitCode, wrote, memoryLimit };
}

describe.skipIf(!isRoot || !runc || !fs.existsSync('/sys/fs/cgroup/memory'))('the runtime that runs the jail', () => {
  it.skipIf(!crun)('is crun when it is installed', async () => {
    delete process.env.AIOS_OCI_RUNTIME;
    const seen = await runtimeSeen();
    expect(seen.exes).toContain(fileId(crun as string));
    expect(seen.exes).not.toContain(fileId(runc as string));
    expect(seen).toMatchObject({ exitCode: 0, wrote: 'here\n', memoryLimit: String(512 * 1024 * 1024) });
  });

  it('is runc when AIOS_OCI_RUNTIME says so (as where crun is absent), with the same limits', async () => {
    process.env.AIOS_OCI_RUNTIME = 'runc';
    const seen = await runtimeSeen();
    expect(seen.exes).toContain(fileId(runc as string));
    if (crun) expect(seen.exes).not.toContain(fileId(crun));
    expect(seen).toMatchObject({ exitCode: 0, wrote: 'here\n', memoryLimit: String(512 * 1024 * 1024) });
  });

  it('runs nothing when the runtime asked for is not there', async () => {
    process.env.AIOS_OCI_RUNTIME = 'bogus';
    tmp = makeTempDir('aios-oci-run-');
    const run = await runInOverlay({ command: 'true', cwd: tmp.path, env: {}, paths: [], timeoutMs: 5000, stateBase: tmp.path });
    removeRun(run);
    expect(run.exitCode).toBeNull();
    expect(run.setupError).toMatch(/AIOS_OCI_RUNTIME must be "crun" or "runc"/);
    expect(spawnSync('true').status).toBe(0);
  });
});

const alive = (pattern: string) => spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).stdout.trim();

describe.skipIf(!isRoot || !runc)('a preview dies with aios', () => {
  for (const name of ['crun', 'runc'] as const)
    it.skipIf(name === 'crun' && !crun)(
      `under ${name}: kill -9 of aios ends the container's processes and the runtime`,
      async () => {
        tmp = makeTempDir('aios-oci-kill-');
        const tag = `${4000 + (process.pid % 997)}.${name === 'crun' ? 31 : 32}`;
        const aios = spawn(
          process.execPath,
          ['--import', 'tsx', path.join(import.meta.dirname, 'oci-lifeline-driver.mts'), tmp.path, `sleep ${tag}`],
          {
            cwd: repoRoot,
            stdio: ['ignore', 'pipe', 'inherit'],
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AIOS_OCI_RUNTIME: name },
          },
        );
        try {
          await new Promise<void>((resolve) => aios.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolve()));
          // The container's own sleep (anchored: the driver's command line names it too).
          await waitFor(() => alive(`^sleep ${tag}$`) !== '', 10_000, 'the previewed sleep');
          expect(alive(`${name} --root=/dev/shm/aios-preview-${aios.pid}-`)).not.toBe('');
          aios.kill('SIGKILL');
          await waitFor(
            () => alive(`^sleep ${tag}$`) === '' && alive(`--root=/dev/shm/aios-preview-${aios.pid}-`) === '',
            10_000,
            'the container to end',
          );
        } finally {
          aios.kill('SIGKILL');
          spawnSync('pkill', ['-KILL', '-f', `sleep ${tag}`]);
          for (const n of fs.readdirSync('/dev/shm').filter((d) => d.startsWith(`aios-preview-${aios.pid}-`)))
            fs.rmSync(path.join('/dev/shm', n), { recursive: true, force: true });
        }
      },
      60_000,
    );
});
