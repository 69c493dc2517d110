import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/process';
import { drive, tempUser, treeFor, type Actor } from './support';

/**
 * Nothing the AI runs outlives aios unseen: kill -9 of aios while an
 * auto-allowed sleep (quiet path) and an approved one (through sudo for the
 * user who has it) run, and every one of them is gone. And descriptors aios
 * holds without close-on-exec reach no command.
 */
const isRoot = process.getuid?.() === 0;
const users: Array<Actor & { remove?: () => void }> = [];
afterAll(() => {
  for (const u of users) {
    if (u.remove) u.remove();
    else fs.rmSync(u.home, { recursive: true, force: true });
  }
});

/** The pids of processes whose command line starts with `cmd` (not the shells or launchers that name it). */
const alive = (cmd: string) => spawnSync('pgrep', ['-f', `^${cmd}`], { encoding: 'utf8' }).stdout.trim();

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

describe.skipIf(!isRoot)('commands die with aios (needs root to make the users)', () => {
  for (const which of ['root', 'sudo'] as const) {
    it(`kill -9 of aios ends an auto-allowed sleep and an approved one${which === 'sudo' ? ' run through sudo, as a user with passwordless sudo' : ', as root'}`, async () => {
      const actor: Actor = which === 'root' ? { label: 'root', home: fs.mkdtempSync('/var/tmp/aios-jail-root-') } : tempUser(true);
      users.push(actor);
      const tree = treeFor(actor);
      // Distinct durations name the sleeps on the host's process list.
      const tagQ = `${3000 + (process.pid % 997)}.${which === 'root' ? 11 : 12}`;
      const tagA = `${3000 + (process.pid % 997)}.${which === 'root' ? 21 : 22}`;
      const approved = which === 'sudo' ? `sudo -n sleep ${tagA}` : `sleep ${tagA} & sleep ${tagA}`;
      // One process, as aios is (the tsx CLI would put a parent in front of it that a kill -9 would miss).
      const argv = [
        process.execPath,
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'lifetime-driver.mts'),
        tree,
        `sleep ${tagQ}`,
        approved,
      ];
      const full =
        actor.uid === undefined ? argv : ['setpriv', `--reuid=${actor.uid}`, `--regid=${actor.gid}`, '--init-groups', '--', ...argv];
      const aios = spawn(full[0] as string, full.slice(1), {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: actor.home },
      });
      try {
        await new Promise<void>((resolve) => aios.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolve()));
        expect(alive(`sleep ${tagQ}`), 'the quiet-path sleep runs').not.toBe('');
        expect(alive(`sleep ${tagA}`), 'the approved sleep runs').not.toBe('');
        if (which === 'sudo')
          expect(
            spawnSync('ps', ['-o', 'user=', '-p', alive(`sleep ${tagA}`).split('\n')[0] ?? '0'], { encoding: 'utf8' }).stdout.trim(),
          ).toBe('root');
        aios.kill('SIGKILL');
        expect(
          await waitFor(() => alive(`sleep ${tagQ}`) === '' && alive(`sleep ${tagA}`) === '', 5000),
          `still running: ${alive(`sleep ${tagQ}`)} ${alive(`sleep ${tagA}`)}`,
        ).toBe(true);
      } finally {
        aios.kill('SIGKILL');
        spawnSync('pkill', ['-KILL', '-f', `sleep ${tagQ}`]);
        spawnSync('pkill', ['-KILL', '-f', `sleep ${tagA}`]);
      }
    }, 60_000);
  }

  it("a descriptor aios holds without close-on-exec (a terminal pane's pty, an inherited file) reaches no command: quiet path, approved, preview", async () => {
    const actor: Actor = { label: 'root', home: fs.mkdtempSync('/var/tmp/aios-jail-root-') };
    users.push(actor);
    const tree = treeFor(actor);
    const canary = path.join(actor.home, 'fd-canary-secret');
    fs.writeFileSync(canary, 'secret\n');
    fs.writeFileSync(path.join(tree, 'fds.txt'), 'fds\n');
    const fd = fs.openSync(canary, 'r');
    try {
      // Inherited as fd 3 by the stand-in for aios: open there without close-on-exec.
      const list =
        'for f in /proc/self/fd/*; do readlink "$f"; done >> fds.txt 2>&1; cat /proc/self/fd/3 >> fds.txt 2>&1; echo listed >> fds.txt';
      const quiet = await drive(actor, { mode: 'quiet', cwd: tree, command: list, pty: true }, fd);
      const quietSaw = fs.readFileSync(path.join(tree, 'fds.txt'), 'utf8');
      fs.writeFileSync(path.join(tree, 'fds.txt'), 'fds\n');
      const approved = await drive(actor, { mode: 'approved', cwd: tree, command: list, pty: true }, fd);
      const approvedSaw = fs.readFileSync(path.join(tree, 'fds.txt'), 'utf8');
      fs.writeFileSync(path.join(tree, 'fds.txt'), 'fds\n');
      const preview = await drive(actor, { mode: 'preview', cwd: tree, command: list, pty: true }, fd);
      expect([quiet.ran, approved.ran, preview.ran]).toEqual([true, true, true]);
      for (const saw of [quietSaw, approvedSaw, preview.diffs ?? '']) {
        expect(saw).toContain('listed');
        expect(saw).not.toContain(canary);
        expect(saw).not.toContain('/dev/ptmx');
        expect(saw).not.toContain('secret');
      }
    } finally {
      fs.closeSync(fd);
    }
  }, 60_000);
});
