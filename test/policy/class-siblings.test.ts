import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../src/core/policy';
import { shippedEngine, tempDir } from '../support/policy';

/**
 * Siblings of the six lenient classes (see classes.test.ts), judged as
 * deployed (user ai, cwd and HOME /home/ai, passwordless sudo): secrets
 * read through a wrapper's option or a raw disk, more wrappers whose own
 * options run or write, more shells, and more programs that run from a
 * root of their own. Where the program is installed it is the oracle: the
 * line really does what the policy says it does.
 */

const AI = { cwd: '/home/ai', home: '/home/ai' } as const;
let engine: PolicyEngine;
beforeAll(async () => {
  engine = await shippedEngine();
});

const has = (program: string): boolean => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
const decide = (line: string, ctx: { cwd: string; home: string } = AI) => engine.decide(line, ctx);

describe('1. secrets read through a wrapper option or a raw device', () => {
  const t = tempDir('aios-sibling-secret-');
  const home = path.join(t.dir, 'home');
  const MARK = 'SECRET-KEY-MATERIAL-0815';
  beforeAll(() => {
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    fs.writeFileSync(path.join(home, '.ssh', 'id_test'), `${MARK}\n`);
  });
  afterAll(() => t.cleanup());

  it.each([
    'xargs -a ~/.ssh/id_test echo',
    'xargs --arg-file=$HOME/.ssh/id_test echo',
    'ionice -c3 xargs -a ~/.ssh/id_test echo',
    'timeout 5 xargs -a ~/.ssh/id_test printf %s',
  ])('%s prints the secret (bash) and needs approval, not the quiet jail', (line) => {
    const out = execFileSync('bash', ['-c', line], { cwd: home, env: { PATH: process.env.PATH, HOME: home }, encoding: 'utf8' });
    expect(out).toContain(MARK);
    const r = decide(line, { cwd: home, home });
    expect(r.decision, r.reasons.join(' | ')).toBe('require_approval');
    expect(r.confinable).toBeUndefined();
    expect(r.reasons.join(' ')).toMatch(/secret/);
  });

  it.each([
    'sudo cat /proc/kcore',
    'sudo cat /dev/mem',
    'sudo dd if=/dev/vda bs=1M count=1',
    'sudo strings /dev/sda1',
    'sudo cat /dev/sd*',
    'sudo xxd /dev/nvme0n1p2',
    'sudo cat /dev/mapper/root',
    'sudo cat /dev/disk/by-uuid/x',
    'sudo xargs -a /etc/shadow echo',
  ])('%s reads a secret: it asks', (line) => {
    const r = decide(line);
    expect(r.decision, r.reasons.join(' | ')).toBe('require_approval');
    expect(r.reasons.join(' ')).toMatch(/secret/);
  });

  const root = process.getuid?.() === 0 && has('losetup') && has('strings');
  it.skipIf(!root)('a raw block device holds the files on it (losetup and strings are the oracle)', () => {
    const image = path.join(t.dir, 'disk.img');
    fs.writeFileSync(image, Buffer.concat([Buffer.alloc(4096), Buffer.from(`${MARK}\n`), Buffer.alloc(60_000)]));
    const loop = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
    try {
      expect(execFileSync('strings', [loop], { encoding: 'utf8' })).toContain(MARK);
      const r = decide(`sudo strings ${loop}`);
      expect(r.decision).toBe('require_approval');
      expect(r.reasons.join(' ')).toMatch(/raw disk/);
    } finally {
      execFileSync('losetup', ['-d', loop]);
    }
  });

  it.each([
    'df -h /dev/sda1',
    'lsblk',
    'ls -l /dev/sda',
    'cat /dev/null',
    'echo x > /dev/null',
    'timeout 5 ls ~/.ssh',
    'xargs -a list.txt ls',
  ])('%s names a device or a secret folder without reading it: no secret', (line) => {
    expect(decide(line).reasons.join(' ')).not.toMatch(/secret/);
  });
});

describe('2. more wrappers whose own options run or write', () => {
  const t = tempDir('aios-sibling-wrapper-');
  afterAll(() => t.cleanup());
  const inTemp = (name: string) => {
    const dir = fs.mkdtempSync(path.join(t.dir, `${name}-`));
    return { dir, ctx: { cwd: dir, home: dir } };
  };

  it.skipIf(!has('script'))('script writes its typescript file (script is the oracle): a start-up file asks', () => {
    const { dir, ctx } = inTemp('script');
    spawnSync('script', ['-q', '-c', 'true', '.bashrc'], { cwd: dir, stdio: 'ignore' });
    expect(fs.existsSync(path.join(dir, '.bashrc'))).toBe(true);
    for (const line of [
      'script -q -c true .bashrc',
      'script -qc ls .profile',
      'script -q -O .bashrc -c ls /dev/null',
      'script --log-out=.bashrc -c ls',
    ]) {
      const r = engine.decide(line, ctx);
      expect(r.decision, line).toBe('require_approval');
      expect(r.confinable, line).toBeUndefined();
      expect(r.reasons.join(' '), line).toMatch(/protected/);
    }
  });

  it.skipIf(!has('tar'))('tar --checkpoint-action=exec runs a command (tar is the oracle)', () => {
    const { dir, ctx } = inTemp('tar');
    fs.writeFileSync(path.join(dir, 'f'), 'x');
    const line = 'tar cf x.tar --checkpoint=1 --checkpoint-action=exec="touch ran" f';
    spawnSync('bash', ['-c', line], { cwd: dir, stdio: 'ignore' });
    expect(fs.existsSync(path.join(dir, 'ran'))).toBe(true);
    expect(engine.decide(line, ctx).decision).toBe('require_approval');
  });

  it.skipIf(!has('find'))('find -fprint writes the file it names (find is the oracle)', () => {
    const { dir, ctx } = inTemp('find');
    spawnSync('find', ['.', '-maxdepth', '0', '-fprint', '.bashrc'], { cwd: dir, stdio: 'ignore' });
    expect(fs.existsSync(path.join(dir, '.bashrc'))).toBe(true);
    for (const line of ['find . -fprint .bashrc', 'find . -fprintf .profile %p', 'find . -fls .bashrc', 'find . -fprint0 .bashrc']) {
      expect(engine.decide(line, ctx).decision, line).toBe('require_approval');
    }
  });

  it.skipIf(!has('git'))('git -c alias.x=!cmd runs cmd (git is the oracle)', () => {
    const { dir, ctx } = inTemp('git');
    const line = "git -c alias.x='!touch ran' x";
    spawnSync('bash', ['-c', line], { cwd: dir, stdio: 'ignore', env: { PATH: process.env.PATH, HOME: dir } });
    expect(fs.existsSync(path.join(dir, 'ran'))).toBe(true);
    expect(engine.decide(line, ctx).decision).toBe('require_approval');
  });

  it('env -S splits its string into a command that is judged (env is the oracle)', () => {
    const { dir, ctx } = inTemp('env');
    spawnSync('env', ['-S', 'touch ran'], { cwd: dir, stdio: 'ignore' });
    expect(fs.existsSync(path.join(dir, 'ran'))).toBe(true);
    expect(engine.decide('env -S "rm -rf /"', ctx).decision).toBe('deny');
    expect(engine.decide('env --split-string="cat ~/.ssh/id_ed25519"', AI).decision).toBe('require_approval');
  });

  it.each([
    ['timeout 5 rm -rf /', 'deny'],
    ['timeout -s KILL 5 bash', 'require_approval'],
    ["nice -n 5 sh -c 'rm -rf /'", 'deny'],
    ["ionice -c3 bash -c 'cat ~/.ssh/id_ed25519'", 'require_approval'],
    ["stdbuf -oL sh -c 'cat ~/.ssh/id_ed25519'", 'require_approval'],
    ["tar xf x.tar --to-command='sh -c id'", 'require_approval'],
    ['tar -I id -cf x.tar .', 'require_approval'],
    ["rsync -e 'sh -c id' a b:", 'require_approval'],
    ['rsync --rsync-path=id a b:', 'require_approval'],
    ['git -c core.pager=id log', 'require_approval'],
    ['git -c core.sshCommand=id fetch', 'require_approval'],
    ['git -c core.fsmonitor=id status', 'require_approval'],
    ['git --config-env=core.pager=X log', 'require_approval'],
    ['LESSOPEN="|id %s" less x', 'require_approval'],
    ['env LESSOPEN="|id %s" less x', 'require_approval'],
    ['man -P id ls', 'require_approval'],
    ['man --pager=id ls', 'require_approval'],
    ['watch -g "rm -rf /"', 'deny'],
    ["script -qc 'rm -rf /' /dev/null", 'deny'],
    ['sudo --preserve-env=NODE_OPTIONS node -v', 'require_approval'],
    ['NODE_OPTIONS=--require=/tmp/x.js sudo -E node -v', 'require_approval'],
    ['BASH_ENV=/tmp/x sudo -E bash -c ls', 'require_approval'],
    ['doas -u root sh', 'require_approval'],
    ['doas sh -c id', 'require_approval'],
    ['pkexec env LD_PRELOAD=/tmp/x.so ls', 'require_approval'],
    ['runuser -u root -- env LD_PRELOAD=/tmp/x.so ls', 'require_approval'],
    ['runuser -l ai -c id', 'require_approval'],
    ['setpriv --reuid=1000 sh -c id', 'require_approval'],
    ['capsh --shell=/tmp/sh -- -c ls', 'require_approval'],
    ['man -H id ls', 'require_approval'],
    ['busybox sh', 'require_approval'],
    ['busybox rm -rf /', 'deny'],
  ])('%s: %s', (line, decision) => {
    const r = decide(line);
    expect(r.decision, r.reasons.join(' | ')).toBe(decision);
    if (decision === 'require_approval') expect(r.confinable, r.reasons.join(' | ')).toBeUndefined();
  });

  it.each(['timeout 5 ls', 'nice ls', 'ionice -c3 ls', 'stdbuf -oL ls', 'xargs -a list.txt ls', 'busybox ls', 'script -qc ls /dev/null'])(
    '%s stays quiet or confined',
    (line) => {
      const r = decide(line);
      expect(r.decision === 'auto_allow' || r.confinable === true, `${line}: ${r.decision}`).toBe(true);
    },
  );

  it('privileged wrappers notify like sudo, never auto-allow', () => {
    for (const line of ['sudo -E ls', 'sudo --preserve-env ls', 'doas ls', 'pkexec ls', 'runuser -u ai ls', 'setpriv --reuid=1000 ls'])
      expect(decide(line).decision, line).toBe('notify');
  });
});

describe("4. more shells' code is not read as bash", () => {
  it.each([
    'ksh -c ls',
    'elvish -c ls',
    'nu -c ls',
    'xonsh -c ls',
    'yash -c ls',
    'rc -c ls',
    'es -c ls',
    'oksh -c ls',
    'pwsh -c ls',
    'elvish',
    'nu',
  ])('%s needs approval', (line) => {
    const r = decide(line);
    expect(r.decision, r.reasons.join(' | ')).toBe('require_approval');
    expect(r.confinable, line).toBeUndefined();
  });

  it.skipIf(!has('dash'))('dash reads POSIX sh, a subset of what bash reads: dash -c is judged as bash would (dash is the oracle)', () => {
    const t = tempDir('aios-dash-');
    try {
      spawnSync('dash', ['-c', 'echo $(echo hi) > out'], { cwd: t.dir });
      expect(fs.readFileSync(path.join(t.dir, 'out'), 'utf8')).toBe('hi\n');
      expect(decide("dash -c 'rm -rf /'").decision).toBe('deny');
      expect(decide("dash -c 'ls'").decision).toBe('auto_allow');
      // busybox's ash and sh read the same POSIX grammar.
      expect(decide("busybox ash -c 'rm -rf /'").decision).toBe('deny');
      expect(decide("busybox sh -c 'cat ~/.ssh/id_ed25519'").decision).toBe('require_approval');
    } finally {
      t.cleanup();
    }
  });
});

describe('3. more programs that run from a root of their own', () => {
  it.each([
    'bwrap --bind /tmp/r / ls',
    'bwrap --ro-bind / / ls',
    'proot -r /tmp/r ls',
    'proot -R /tmp/r ls',
    'systemd-nspawn -D /tmp/r ls',
    'sudo systemd-nspawn --directory=./r ls',
    'systemd-nspawn -i img.raw ls',
    'fakechroot chroot /tmp/r ls',
    'schroot -c x ls',
    'timeout 5 bwrap --bind / / ls',
    'env -S "proot -r /tmp/r ls"',
  ])('%s asks, and never runs unasked in the quiet jail', (line) => {
    const r = decide(line);
    expect(r.decision, r.reasons.join(' | ')).toBe('require_approval');
    expect(r.confinable).toBeUndefined();
    expect(r.reasons.join(' ')).toMatch(/root|chroot|container/);
  });

  it.skipIf(!has('bwrap'))('bwrap runs the program named from the root its binds build (bwrap is the oracle)', () => {
    const t = tempDir('aios-bwrap-');
    try {
      // A folder the model wrote, bound over /usr/local/bin: `hello` there is the model's own program.
      fs.writeFileSync(path.join(t.dir, 'hello'), '#!/bin/sh\necho from-the-bound-root\n', { mode: 0o755 });
      const out = spawnSync('bwrap', ['--dev-bind', '/', '/', '--bind', t.dir, '/usr/local/bin', '/usr/local/bin/hello'], {
        encoding: 'utf8',
      });
      expect(out.stdout).toBe('from-the-bound-root\n');
      expect(decide(`bwrap --dev-bind / / --bind ${t.dir} /usr/local/bin /usr/local/bin/hello`).decision).toBe('require_approval');
    } finally {
      t.cleanup();
    }
  });
});
