import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandCgroup, joinCgroupsArgv, QUIET_LIMITS } from '../../src/core/jail/limits';

/**
 * A quiet command joins its cgroup itself, in a shell that then becomes the
 * command: the command is born inside, and when the cgroup cannot be joined
 * the command never starts (fail closed), and says why.
 */
let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (l: { file: string; args: string[] }) => spawnSync(l.file, l.args, { cwd: dir, encoding: 'utf8' });

describe('joining the command cgroup', () => {
  it('a cgroup that cannot be joined ends the command before it runs, with exit 125 and the reason', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-cgjoin-'));
    const r = run(joinCgroupsArgv([path.join(dir, 'no-such-cgroup', 'tasks')], ['/bin/sh', '-c', 'touch ran']));
    expect(r.status).toBe(125);
    expect(r.stderr).toContain("aios: the command's cgroup cannot be joined");
    expect(fs.existsSync(path.join(dir, 'ran'))).toBe(false);
  });

  it('arguments reach the command unchanged, spaces and dashes included', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-cgjoin-'));
    const r = run(joinCgroupsArgv([], ['/usr/bin/printf', '%s|', 'a b', '--', '-c', '$HOME']));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('a b|--|-c|$HOME|');
  });

  const cgroup = process.getuid?.() === 0 ? commandCgroup(QUIET_LIMITS) : undefined;
  it.skipIf(!cgroup)('as root, the command is born in its memory and pids cgroups (needs root and a writable cgroupfs)', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-cgjoin-'));
    try {
      const r = run(joinCgroupsArgv(cgroup!.joinFiles, ['/bin/cat', '/proc/self/cgroup']));
      expect(r.status, r.stderr).toBe(0);
      const name = path.basename(path.dirname(cgroup!.joinFiles[0]!));
      expect(name).toMatch(/^aios-jail-/);
      // Every hierarchy the command has a cgroup in lists it there.
      expect(r.stdout.split('\n').filter((l) => l.endsWith(`/${name}`))).toHaveLength(cgroup!.joinFiles.length);
    } finally {
      cgroup!.release();
    }
  });
});
