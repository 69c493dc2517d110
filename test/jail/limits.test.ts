import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Executor, Sandbox, confinementFor } from '../../src/core/executor';
import { QUIET_LIMITS } from '../../src/core/jail/limits';
import { drive, tempUser, treeFor, type Actor } from './support';

/**
 * The quiet path's limits as an attacker meets them: a fork bomb and a memory
 * hog (each bounded, so that on a jail without limits the test fails without
 * taking the machine down), as root (a cgroup per command) and as users
 * without root (rlimits inside the jail's user namespace), and CPU time and
 * file size. The host must still start processes while the bomb runs, and
 * nothing of it may stay behind.
 */
const isRoot = process.getuid?.() === 0;

const BOMB = String.raw`python3 -c "
import os, time
n = 0
for i in range(1500):
    try:
        if os.fork() == 0:
            time.sleep(30); os._exit(0)
        n += 1
    except OSError as e:
        print('fork refused', e.errno, flush=True); break
print('forked', n, flush=True)
" aios-bomb-canary`;

// 24 × 256 MiB = 6 GiB, more than the limit (4 GiB), well under this machine's RAM.
const HOG = String.raw`python3 -c "
a = []
try:
    while len(a) < 24:
        a.append(bytearray(256 << 20)); print('held', len(a) * 256, flush=True)
except MemoryError:
    print('refused', flush=True)
"; echo "exit=$?"`;

const users: Array<Actor & { remove?: () => void }> = [];
const actor = (which: number): Actor => {
  if (users.length === 0)
    users.push({ label: 'root', home: fs.mkdtempSync('/var/tmp/aios-limits-root-') }, tempUser(false), tempUser(true));
  return users[which] as Actor;
};
afterAll(() => {
  for (const u of users) {
    if (u.remove) u.remove();
    else fs.rmSync(u.home, { recursive: true, force: true });
  }
});

const bombLeft = () => spawnSync('pgrep', ['-f', 'aios-bomb-canary'], { encoding: 'utf8' }).stdout.trim();

describe.skipIf(!isRoot)('the quiet path holds a fork bomb and a memory hog (needs root to make the users)', () => {
  for (const which of [0, 1, 2]) {
    const who = ['root', 'an unprivileged user', 'a user with passwordless sudo'][which];
    it(`as ${who}: a fork bomb stops at the process limit, the host still starts processes, nothing stays`, async () => {
      const a = actor(which);
      const tree = treeFor(a);
      let hostSpawns = 0;
      let hostFailures = 0;
      const poll = setInterval(() => {
        if (spawnSync('/bin/true').status === 0) hostSpawns++;
        else hostFailures++;
      }, 100);
      const r = await drive(a, { mode: 'quiet', cwd: tree, command: BOMB, timeoutMs: 60_000 }).finally(() => clearInterval(poll));
      expect(r.confined, JSON.stringify(r)).toBe(true);
      const forked = Number(/forked (\d+)/.exec(r.output ?? '')?.[1]);
      expect(r.output).toContain('fork refused');
      expect(forked).toBeLessThan(QUIET_LIMITS.processes);
      expect(hostFailures).toBe(0);
      expect(hostSpawns).toBeGreaterThan(0);
      expect(bombLeft()).toBe('');
    }, 90_000);

    it(`as ${who}: a memory hog is stopped at the memory limit`, async () => {
      const a = actor(which);
      const r = await drive(a, { mode: 'quiet', cwd: treeFor(a), command: HOG, timeoutMs: 60_000 });
      expect(r.confined, JSON.stringify(r)).toBe(true);
      const held = Math.max(0, ...[...(r.output ?? '').matchAll(/held (\d+)/g)].map((m) => Number(m[1])));
      expect(held * 1024 * 1024).toBeLessThan(QUIET_LIMITS.memoryBytes);
      // Refused an allocation (rlimit) or killed by the cgroup's OOM killer.
      expect(r.output).toMatch(/refused|exit=137/);
    }, 90_000);
  }
});

describe.skipIf(!isRoot)('CPU time and file size', () => {
  const tree = fs.realpathSync(fs.mkdtempSync(path.join('/var/tmp', 'aios-limits-')));
  afterAll(() => fs.rmSync(tree, { recursive: true, force: true }));
  const run = (command: string, limits: object) =>
    new Executor({ sandbox: new Sandbox() }).run({
      cwd: tree,
      timeoutMs: 60_000,
      command,
      confinement: { ...confinementFor(tree, {}), limits },
    });

  it('a busy loop is killed after its CPU seconds, long before the time limit', async () => {
    const r = await run('python3 -c "while True: pass"; echo "exit=$?"', { cpuSeconds: 1 });
    expect(r.timedOut).toBe(false);
    // SIGXCPU (24) at the soft limit, or SIGKILL at the hard one (the same here).
    expect(r.fullOutput).toMatch(/exit=(152|137)/);
  }, 90_000);

  it('a file past the size limit is cut there', async () => {
    const r = await run('head -c 2M /dev/zero > big; echo "exit=$?"; stat -c %s big', { fileBytes: 1024 * 1024 });
    expect(r.fullOutput).toContain('exit=153');
    expect(r.fullOutput).toContain('1048576');
  }, 30_000);
});
