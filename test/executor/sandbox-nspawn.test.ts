import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/core/executable';
import { QUIET_LIMITS, quietLaunch } from '../../src/core/jail';
import { Sandbox } from '../../src/core/executor/sandbox';

/**
 * Wall 1 inside wall 2: the sandbox's own argv (Sandbox.wrap) run by a
 * non-root user in a systemd-nspawn container with PrivateUsers=pick, as
 * the aios machine runs. The container borrows the host's /usr and /etc
 * read-only (the machine's rootfs is built elsewhere, with pacstrap); it is
 * not booted, but namespaces, seccomp and the uid mapping are nspawn's.
 */
const nspawn = findExecutable('systemd-nspawn', process.env.PATH);
const root = process.getuid?.() === 0;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync('/var/tmp/aios-sandbox-nspawn-');
  fs.chmodSync(dir, 0o755);
  for (const d of ['usr', 'etc', 'tmp', 'proc', 'dev', 'sys', 'run', 'var/tmp', 'root'])
    fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  for (const l of ['bin', 'lib', 'lib64', 'sbin']) if (fs.existsSync(`/usr/${l}`)) fs.symlinkSync(`usr/${l}`, path.join(dir, l));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * `command` in the quiet jail, made here for the container's nobody with the
 * container's mounts (none beyond its own), inside an nspawn machine with
 * PrivateUsers=pick; the seccomp program goes in as a file on fd 3.
 * `before` runs first, outside the jail but in the machine.
 */
function inMachineJail(command: string, before = ''): SpawnSyncReturns<string> {
  const wrapped = quietLaunch('bwrap', '/bin/sh', command, { workTree: '/tmp/w', readOnly: [], secrets: {} }, '/tmp/w', {
    asRoot: false,
    mounts: [],
  });
  fs.writeFileSync(path.join(dir, 'seccomp.bpf'), wrapped.seccomp);
  const inner = [
    'mkdir -p /tmp/w && cd /tmp/w',
    `${[wrapped.file, ...wrapped.args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')} 3</seccomp.bpf`,
  ].join(' && ');
  const args = [
    '--register=no',
    '--keep-unit',
    '-q',
    '-D',
    dir,
    '--bind-ro=/usr',
    '--bind-ro=/etc',
    '--private-users=pick',
    '--user=nobody',
    '--chdir=/',
    '/bin/sh',
    '-c',
    `${before}${inner}`,
  ];
  return spawnSync(nspawn!, args, { encoding: 'utf8', timeout: 60_000 });
}

describe.skipIf(!nspawn || !root)('the sandbox inside an nspawn machine (needs root and systemd-nspawn)', () => {
  it('confines a non-root user with PrivateUsers=pick: the tree is writable, the rest is not, no new privileges', () => {
    expect(new Sandbox().status()).toMatchObject({ available: true });
    const r = inMachineJail(
      'echo in > ok && echo inside-ok; echo x > /var/tmp/no || echo outside-refused; grep -c "NoNewPrivs:.1" /proc/self/status',
      'id -u; ',
    );
    // nspawn gives the payload a pty when it has one; lines may end in CR LF.
    const out = r.stdout.replace(/\r/g, '');
    expect(out.split('\n')[0]).toBe('65534');
    expect(out).toContain('inside-ok');
    expect(out).toContain('outside-refused');
    expect(out).toMatch(/^1$/m);
    expect(fs.existsSync(path.join(dir, 'var/tmp/no'))).toBe(false);
  });

  it("a fork bomb there stops at the process limit (RLIMIT_NPROC in the jail's own user namespace: no cgroups in the machine)", () => {
    const bomb =
      "python3 -c \"import os, time\nn = 0\nfor i in range(1500):\n    try:\n        if os.fork() == 0: time.sleep(30); os._exit(0)\n        n += 1\n    except OSError: print('fork refused'); break\nprint('forked', n)\"";
    const r = inMachineJail(bomb);
    const out = r.stdout.replace(/\r/g, '');
    expect(out, r.stderr).toContain('fork refused');
    expect(Number(/forked (\d+)/.exec(out)?.[1])).toBeLessThan(QUIET_LIMITS.processes);
  });
});
