import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drive, guardCorePattern, tempUser, treeFor, type Actor } from './support';

/**
 * The jail as an attacker meets it: real canaries on the real system (the
 * kernel's core_pattern, host IPC objects and keys, a host process, unix and
 * TCP listeners, /etc), tried from the quiet path and from the preview, as
 * root, as an unprivileged user and as a user with passwordless sudo.
 */
const isRoot = process.getuid?.() === 0;
const CANARY = 'core.aios-jail-canary';

const ATTACK = String.raw`
P=$1; HOSTPID=$2; SHMID=$3; SOCK=$4; PORT=$5; RUNNER=$6
for S in "" "sudo -n"; do
  $S unshare -m --mount-proc sh -c "echo $P > /proc/sys/kernel/core_pattern" 2>/dev/null
  $S unshare -Urm --mount-proc sh -c "echo $P > /proc/sys/kernel/core_pattern" 2>/dev/null
  $S sh -c "echo $P > /proc/sys/kernel/core_pattern" 2>/dev/null
  $S mount -o remount,rw / 2>/dev/null && echo REMOUNTED
  $S mount -t proc proc /proc 2>/dev/null && echo MOUNTED-PROC
  $S kill -9 "$HOSTPID" 2>/dev/null && echo KILLED-HOST
  $S keyctl add user aios-jail-planted x @u >/dev/null 2>&1 && echo ADDED-KEY
  $S keyctl search @u user aios-jail-host-canary >/dev/null 2>&1 && echo SEEN-KEY
  $S ipcs -m 2>/dev/null | awk '{print $2}' | grep -qx "$SHMID" && echo SEEN-SHM
  $S ipcmk -M 4096 >/dev/null 2>&1; $S ipcmk -Q >/dev/null 2>&1; $S ipcmk -S 1 >/dev/null 2>&1
  $S hostname aios-jail-planted 2>/dev/null && [ "$(cat /proc/sys/kernel/hostname)" = aios-jail-planted ] && echo RENAMED
done
cat /proc/$RUNNER/environ >/dev/null 2>&1 && echo SEEN-ENVIRON
python3 - "$HOSTPID" "$SOCK" "$PORT" <<'PY'
import ctypes, socket, sys
pid, sock, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
if ctypes.CDLL(None).ptrace(16, pid, 0, 0) == 0: print('PTRACED')
try:
    s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sock); print('REACHED-UNIX')
except OSError: pass
try:
    s = socket.create_connection(('127.0.0.1', port), timeout=2); print('REACHED-TCP')
except OSError: pass
PY
touch /etc/aios-jail-canary 2>/dev/null || sudo -n touch /etc/aios-jail-canary 2>/dev/null
echo ATTACK-DONE
`;

const BAD = [
  'REMOUNTED',
  'MOUNTED-PROC',
  'KILLED-HOST',
  'ADDED-KEY',
  'SEEN-KEY',
  'SEEN-SHM',
  'RENAMED',
  'SEEN-ENVIRON',
  'PTRACED',
  'REACHED-UNIX',
  'REACHED-TCP',
];

interface Host {
  sleeper: ChildProcess;
  shmId: string;
  keyId: string;
  sockDir: string;
  unix: net.Server;
  tcp: net.Server;
  port: number;
  reached: { unix: number; tcp: number };
}
let host: Host;

const ipcKeys = () =>
  spawnSync('ipcs', [], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => /^0x/.test(l))
    .map((l) => l.split(/\s+/).slice(0, 2).join(' '))
    .sort();

beforeAll(async () => {
  if (!isRoot) return;
  // Our own canary, from an earlier run that got through (on a jail that did not hold).
  fs.rmSync('/etc/aios-jail-canary', { force: true });
  const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  const shm = spawnSync('ipcmk', ['-M', '4096'], { encoding: 'utf8' }).stdout;
  const shmId = /(\d+)\s*$/.exec(shm.trim())?.[1] ?? '';
  const keyId = spawnSync('keyctl', ['add', 'user', 'aios-jail-host-canary', 'host-secret', '@u'], { encoding: 'utf8' }).stdout.trim();
  // Outside every overlaid path (the preview's targets are given as none below): a read-only bind, where connect() still works.
  const sockDir = fs.mkdtempSync('/var/tmp/aios-jail-sock-');
  fs.chmodSync(sockDir, 0o755);
  const reached = { unix: 0, tcp: 0 };
  const unix = net.createServer((c) => {
    reached.unix++;
    c.end();
  });
  await new Promise<void>((r) => unix.listen(path.join(sockDir, 'svc.sock'), () => r()));
  fs.chmodSync(path.join(sockDir, 'svc.sock'), 0o777);
  const tcp = net.createServer((c) => {
    reached.tcp++;
    c.end();
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  host = { sleeper, shmId, keyId, sockDir, unix, tcp, port: (tcp.address() as net.AddressInfo).port, reached };
});

afterAll(() => {
  if (!isRoot) return;
  fs.rmSync('/etc/aios-jail-canary', { force: true });
  host.sleeper.kill('SIGKILL');
  spawnSync('ipcrm', ['-m', host.shmId]);
  spawnSync('keyctl', ['unlink', host.keyId, '@u']);
  host.unix.close();
  host.tcp.close();
  fs.rmSync(host.sockDir, { recursive: true, force: true });
});

const users: Array<Actor & { remove?: () => void }> = [];
const actors = (): Array<Actor & { sudo: boolean }> => {
  if (users.length === 0) {
    users.push({ label: 'root', home: fs.mkdtempSync('/var/tmp/aios-jail-root-') }, tempUser(false), tempUser(true));
  }
  const [root, plain, sudo] = users as [Actor, Actor, Actor];
  return [
    { ...root, sudo: false },
    { ...plain, sudo: false },
    { ...sudo, sudo: true },
  ];
};
afterAll(() => {
  for (const u of users) {
    if (u.remove) u.remove();
    else fs.rmSync(u.home, { recursive: true, force: true });
  }
});

async function attack(actor: Actor, mode: 'quiet' | 'preview') {
  const tree = treeFor(actor);
  fs.writeFileSync(path.join(tree, 'attack.sh'), ATTACK);
  // What the attack saw goes to a file that exists: the preview shows it as a diff, the quiet path leaves it written.
  fs.writeFileSync(path.join(tree, 'report.txt'), 'report\n');
  if (actor.uid !== undefined) fs.chownSync(path.join(tree, 'report.txt'), actor.uid, actor.gid ?? actor.uid);
  const ipcBefore = ipcKeys();
  const sleeperAlive = () => host.sleeper.exitCode === null && host.sleeper.signalCode === null;
  const { result, changedTo } = await guardCorePattern(() =>
    drive(actor, {
      mode,
      cwd: tree,
      paths: ['/etc'],
      command: `bash ./attack.sh ${CANARY} ${host.sleeper.pid} ${host.shmId} ${path.join(host.sockDir, 'svc.sock')} ${host.port} ${process.pid} >> report.txt 2>&1`,
    }),
  );
  const planted = spawnSync('keyctl', ['search', '@u', 'user', 'aios-jail-planted'], { encoding: 'utf8' });
  if (planted.status === 0) spawnSync('keyctl', ['unlink', planted.stdout.trim(), '@u']);
  return { result, changedTo, ipcAfter: ipcKeys(), ipcBefore, sleeperAlive: sleeperAlive(), plantedKey: planted.status === 0, tree };
}

describe.skipIf(!isRoot)('the jail against an attacker (real canaries; needs root to set them up)', () => {
  for (const mode of ['quiet', 'preview'] as const) {
    for (const which of [0, 1, 2]) {
      it(`${mode === 'quiet' ? 'the quiet path' : 'the preview'} as ${['root', 'an unprivileged user', 'a user with passwordless sudo'][which]}: no kernel setting, mount, key, IPC object, host process, socket or /etc write gets through`, async () => {
        const actor = actors()[which] as Actor & { sudo: boolean };
        const r = await attack(actor, mode);
        expect(r.changedTo, 'kernel.core_pattern was changed from inside the jail (restored)').toBeNull();
        expect(r.sleeperAlive).toBe(true);
        expect(r.plantedKey).toBe(false);
        expect(r.ipcAfter).toEqual(r.ipcBefore);
        expect(host.reached).toEqual({ unix: 0, tcp: 0 });
        expect(fs.existsSync('/etc/aios-jail-canary')).toBe(false);
        if (mode === 'preview' && which === 1) {
          // No root and no sudo: runc cannot start, so nothing runs (it fails closed).
          expect(r.result.ran).toBe(false);
          expect(r.result.limits?.[0]).toMatch(/^no preview: .*root or passwordless sudo/);
          return;
        }
        expect(r.result.ran, JSON.stringify(r.result)).toBe(true);
        const said = mode === 'quiet' ? fs.readFileSync(path.join(r.tree, 'report.txt'), 'utf8') : (r.result.diffs ?? '');
        expect(said).toContain('ATTACK-DONE');
        for (const word of BAD) expect(said).not.toContain(word);
        // The preview shows the /etc write as a change that would happen, and made none.
        if (mode === 'preview') expect(r.result.changes, JSON.stringify(r.result).slice(0, 3000)).toContain('added /etc/aios-jail-canary');
      }, 120_000);
    }
  }
});
