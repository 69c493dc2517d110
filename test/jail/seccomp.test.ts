import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JAIL_DENIED_SYSCALLS, jailSeccompProfile, seccompBpf } from '../../src/core/jail';

describe("the jail's seccomp filter", () => {
  it('starts from the containers profile and allows none of the denied calls, whatever the capabilities', () => {
    for (const caps of [[], ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_MODULE', 'CAP_SYS_TIME']]) {
      const p = jailSeccompProfile({ caps, unixSockets: false });
      const allowed = p.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names);
      expect(allowed.length).toBeGreaterThan(300);
      for (const name of JAIL_DENIED_SYSCALLS) expect(allowed).not.toContain(name);
      // clone only without namespace flags; clone3 answers "not here".
      expect(
        p.syscalls
          .filter((r) => r.names.includes('clone') && r.action === 'SCMP_ACT_ALLOW')
          .every((r) => r.args?.[0]?.op === 'SCMP_CMP_MASKED_EQ' && r.args[0].valueTwo === 0),
      ).toBe(true);
      expect(p.syscalls.find((r) => r.names.includes('clone3'))?.errnoRet).toBe(38);
    }
  });

  it('compiles to BPF once, and bubblewrap loads it: unshare and unix sockets are refused, socketpair is not', () => {
    const bpf = seccompBpf({ caps: [], unixSockets: false });
    expect(seccompBpf({ caps: [], unixSockets: false })).toBe(bpf);
    const script =
      'unshare -m true 2>/dev/null || echo no-unshare; python3 -c "import socket; socket.socketpair(); print(\\"pair-ok\\"); socket.socket(socket.AF_UNIX)" 2>&1 | grep -o "pair-ok\\|Permission denied"';
    const fd = sealed(bpf);
    let r;
    try {
      r = spawnSync(
        'bwrap',
        [
          '--ro-bind',
          '/',
          '/',
          '--dev',
          '/dev',
          '--proc',
          '/proc',
          '--unshare-all',
          '--cap-drop',
          'ALL',
          '--seccomp',
          '3',
          '--',
          'bash',
          '-c',
          script,
        ],
        { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8' },
      );
    } finally {
      fs.closeSync(fd);
    }
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['no-unshare', 'pair-ok', 'Permission denied']);
  });
});

/** spawnSync cannot write fd 3: the program goes over as an unlinked file. */
function sealed(bpf: Buffer): number {
  const file = path.join(os.tmpdir(), `aios-seccomp-test-${process.pid}.bpf`);
  fs.writeFileSync(file, bpf);
  const fd = fs.openSync(file, 'r');
  fs.rmSync(file);
  return fd;
}
