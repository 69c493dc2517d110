import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../src/core/policy';
import { WRAPPERS } from '../../src/core/policy/programs/wrappers';
import { CTX, shippedEngine } from '../support/policy';

/**
 * Every wrapper the engine follows, in a typical spelling: the deny rule
 * `rm -rf /` must match the command it runs, and the same wrapper around a
 * harmless command must not be denied (the deny is about the inner command).
 */

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await shippedEngine();
});

/** How each wrapper is typically written before its command. */
const SPELLINGS: Readonly<Record<string, string>> = {
  sudo: 'sudo -u root',
  doas: 'doas -u root',
  pkexec: 'pkexec --user root',
  run0: 'run0 -u root',
  env: 'env -i A=1',
  nice: 'nice -n 5',
  nohup: 'nohup',
  timeout: 'timeout -s KILL 5',
  time: 'time -p',
  command: 'command -p',
  exec: 'exec -a x',
  builtin: 'builtin',
  xargs: 'xargs -0',
  setsid: 'setsid -f',
  stdbuf: 'stdbuf -oL',
  ionice: 'ionice -c 3',
  chroot: 'chroot /',
  busybox: 'busybox',
  unshare: 'unshare -n',
  'systemd-run': 'systemd-run --scope',
  coproc: 'coproc',
  unbuffer: 'unbuffer',
  taskset: 'taskset -c 0',
  chrt: 'chrt -f 10',
  strace: 'strace -f -e trace=file',
  ltrace: 'ltrace -c',
  nsenter: 'nsenter -t 1 -m',
  setpriv: 'setpriv --reuid=1000',
  prlimit: 'prlimit --nofile=1024',
  numactl: 'numactl --cpunodebind=0',
  flock: 'flock -w 5 /tmp/lock',
  runuser: 'runuser -u root --',
  'dbus-run-session': 'dbus-run-session --',
  'dbus-launch': 'dbus-launch --exit-with-session',
  cgexec: 'cgexec -g cpu:/x',
  'systemd-inhibit': 'systemd-inhibit --what=idle',
  valgrind: 'valgrind --tool=memcheck -q',
  firejail: 'firejail --noprofile',
  gdb: 'gdb -q --args',
  ip: 'ip netns exec blue',
  perf: 'perf stat -e cycles',
  rr: 'rr record',
  fakeroot: 'fakeroot --',
  faketime: "faketime '2020-01-01'",
  eatmydata: 'eatmydata',
  nocache: 'nocache',
  setarch: 'setarch x86_64 -R',
  linux32: 'linux32',
  linux64: 'linux64 -R',
  torsocks: 'torsocks -i',
  proxychains: 'proxychains -q',
  proxychains4: 'proxychains4 -q',
  'xvfb-run': 'xvfb-run -a',
  'ssh-agent': 'ssh-agent -s',
  cpulimit: 'cpulimit -l 50 --',
  trickle: 'trickle -d 100',
  chronic: 'chronic -e',
  ifne: 'ifne -n',
  lckdo: 'lckdo -w /tmp/lock',
  rlwrap: 'rlwrap -c',
  catchsegv: 'catchsegv',
  heaptrack: 'heaptrack',
  'systemd-cat': 'systemd-cat -t x',
  logsave: 'logsave /tmp/log',
  sshpass: 'sshpass -e',
  toybox: 'toybox',
  setuidgid: 'setuidgid root',
  envuidgid: 'envuidgid root',
  envdir: 'envdir ./env',
  setlock: 'setlock -n /tmp/lock',
  softlimit: 'softlimit -m 1000000',
  capsh: 'capsh -- -c',
};

describe('every wrapper is followed to the command it runs', () => {
  it('has a spelling for every wrapper the engine knows', () => {
    expect(Object.keys(WRAPPERS).filter((w) => !(w in SPELLINGS))).toEqual([]);
  });

  it.each(Object.entries(SPELLINGS))('%s', (name, spelling) => {
    // capsh hands its words to bash: the inner command is one string there.
    const inner = name === 'capsh' ? "'rm -rf /'" : 'rm -rf /';
    const r = engine.decide(`${spelling} ${inner}`, CTX);
    expect(r.decision, `${spelling} ${inner}: ${r.reasons.join(' | ')}`).toBe('deny');
    const harmless = engine.decide(`${spelling} ${name === 'capsh' ? "'ls'" : 'ls'}`, CTX);
    expect(harmless.decision, `${spelling} ls: ${harmless.reasons.join(' | ')}`).not.toBe('deny');
  });
});
