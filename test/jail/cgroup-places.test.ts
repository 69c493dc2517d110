import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hierarchies } from '../../src/core/jail/limits';

/**
 * Where the quiet path makes a command's cgroup, read from this process's
 * /proc/self/cgroup and mountinfo (given here as files over a fake cgroup
 * tree): the v1 memory and pids hierarchies under aios's own cgroups (this
 * machine), or on a v2-only machine the tree's root when aios's own cgroup
 * (a session scope with processes) cannot hand the controllers down.
 */
let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};

describe('where a command cgroup is made', () => {
  it('cgroup v1: under aios own memory and pids cgroups', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-cg-'));
    write('cgroup', '8:pids:/\n4:memory:/svc/abc\n0::/\n');
    write(
      'mountinfo',
      `35 31 0:32 / ${dir}/memory rw - cgroup cgroup rw,memory\n39 31 0:36 / ${dir}/pids rw - cgroup cgroup rw,pids\n41 31 0:38 / ${dir}/unified rw - cgroup2 cgroup2 rw\n`,
    );
    expect(hierarchies(path.join(dir, 'cgroup'), path.join(dir, 'mountinfo'))).toEqual([
      { controller: 'memory', dir: `${dir}/memory/svc/abc`, v2: false },
      { controller: 'pids', dir: `${dir}/pids`, v2: false },
    ]);
  });

  it('cgroup v2: the root of the tree when aios own scope hands nothing down', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-cg-'));
    write('cgroup', '0::/user.slice/session-1.scope\n');
    write('mountinfo', `30 23 0:26 / ${dir}/cg rw - cgroup2 cgroup2 rw\n`);
    write('cg/cgroup.subtree_control', 'cpu memory pids\n');
    write('cg/user.slice/session-1.scope/cgroup.subtree_control', '\n');
    expect(hierarchies(path.join(dir, 'cgroup'), path.join(dir, 'mountinfo'))).toEqual([
      { controller: 'memory', dir: `${dir}/cg`, v2: true },
      { controller: 'pids', dir: `${dir}/cg`, v2: true },
    ]);
  });

  it('cgroup v2 without the pids controller anywhere: none (the quiet path then uses rlimits, or refuses root)', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-cg-'));
    write('cgroup', '0::/a\n');
    write('mountinfo', `30 23 0:26 / ${dir}/cg rw - cgroup2 cgroup2 rw\n`);
    write('cg/cgroup.subtree_control', 'memory\n');
    write('cg/a/cgroup.subtree_control', '\n');
    expect(hierarchies(path.join(dir, 'cgroup'), path.join(dir, 'mountinfo'))).toBeUndefined();
  });
});
