import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drive, tempUser, treeFor } from './support';

/**
 * The walls that preview-walls.test.ts checks as root, met by the users aios
 * runs as in the machine: a user with passwordless sudo (the preview starts
 * runc through `sudo -n`, the elevated path) and an unprivileged user (the
 * quiet path in a user namespace): a folder mounted beneath the working
 * tree, filling memory through the preview's upper layers, filling the
 * quiet path's /tmp and /dev/shm.
 */
const isRoot = process.getuid?.() === 0;
const made: Array<{ remove: () => void }> = [];
let sudoer: ReturnType<typeof tempUser> | undefined;
const sudoUser = () => {
  if (!sudoer) made.push((sudoer = tempUser(true)));
  return sudoer;
};
const mounted: string[] = [];
afterAll(() => {
  for (const m of mounted.reverse()) spawnSync('umount', [m]);
  for (const u of made) u.remove();
});

describe.skipIf(!isRoot)('as a user with passwordless sudo, the preview (needs root to make the user and the mount)', () => {
  it('a folder mounted beneath the working tree (the memory folder under the home) is overlaid too: the write never lands', async () => {
    const user = sudoUser();
    const tree = treeFor(user);
    const mem = path.join(tree, 'memory');
    fs.mkdirSync(mem);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', `size=1m,uid=${user.uid},gid=${user.gid},mode=755`, 'tmpfs', mem]).status).toBe(0);
    mounted.push(mem);
    fs.writeFileSync(path.join(mem, 'memory.db'), 'real\n');
    fs.chownSync(path.join(mem, 'memory.db'), user.uid ?? 0, user.gid ?? 0);
    const r = await drive(user, {
      mode: 'preview',
      cwd: tree,
      paths: [],
      command: 'echo planted >> memory/memory.db; echo new > memory/new',
    });
    expect(r.ran, JSON.stringify(r)).toBe(true);
    expect([...(r.changes ?? [])].sort()).toEqual([`added ${mem}/new`, `changed ${mem}/memory.db`]);
    expect(fs.readFileSync(path.join(mem, 'memory.db'), 'utf8')).toBe('real\n');
    expect(fs.existsSync(path.join(mem, 'new'))).toBe(false);
  }, 60_000);

  it("filling memory through the upper layers hits the preview's memory limit, not the host's RAM", async () => {
    const user = sudoUser();
    const r = await drive(user, {
      mode: 'preview',
      cwd: treeFor(user),
      paths: [],
      command: 'head -c 900M /dev/zero > big && echo wrote',
      timeoutMs: 60_000,
    });
    expect(r.ran, JSON.stringify(r)).toBe(true);
    expect(r.exitCode).not.toBe(0);
  }, 90_000);
});

describe.skipIf(!isRoot)('as an unprivileged user, the quiet path (needs root to make the user)', () => {
  it('/tmp and /dev/shm are capped: filling them fails in the jail', async () => {
    const user = tempUser(false);
    made.push(user);
    const r = await drive(user, {
      mode: 'quiet',
      cwd: treeFor(user),
      command: 'head -c 300M /dev/zero > /tmp/fill || echo tmp-full; head -c 300M /dev/zero > /dev/shm/fill || echo shm-full',
    });
    expect(r.confined, JSON.stringify(r)).toBe(true);
    expect(r.output).toContain('tmp-full');
    expect(r.output).toContain('shm-full');
  }, 60_000);
});
