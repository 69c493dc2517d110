/**
 * Effect rules: what a command did, read from a real overlay run, judged
 * before it lands: a setuid file, file capabilities, a write to a protected
 * place (the policy's one list), a new program on PATH no package lists, and
 * writes outside the working tree by a command allowed to stay inside.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cannotUndo, cannotUndoReason } from '../../src/core/policy/programs/outside-world';
import { discardTransaction, judgeEffects, judgePending, type UndoStore } from '../../src/core/transaction';
import { unitChanges } from '../../src/core/transaction/services';
import { beginScratch, canRun, removeScratch, scratchMachine } from './support';

describe('effect rules on effects', () => {
  const none = { protect: { home: '/home/me' }, pathDirs: ['/usr/bin', '/usr/local/bin'], packageFiles: new Set<string>() };
  it("asks for writes to the machine's protected places from the one list", () => {
    const f = judgeEffects(
      [
        { path: '/etc/sudoers.d/ai', change: 'added', type: 'file', mode: 0o440 },
        { path: '/etc/pam.d/common-auth', change: 'changed', type: 'file', mode: 0o644, oldMode: 0o644 },
        { path: '/etc/systemd/system/evil.service', change: 'added', type: 'file', mode: 0o644 },
        { path: '/home/me/.ssh/authorized_keys', change: 'changed', type: 'file', mode: 0o600, oldMode: 0o600 },
        { path: '/home/me/.bashrc', change: 'changed', type: 'file', mode: 0o644, oldMode: 0o644 },
        { path: '/etc/motd', change: 'changed', type: 'file', mode: 0o644, oldMode: 0o644 },
      ],
      none,
    );
    expect(f.map((x) => [x.rule, x.path])).toEqual([
      ['protected-path', '/etc/sudoers.d/ai'],
      ['protected-path', '/etc/pam.d/common-auth'],
      ['protected-path', '/etc/systemd/system/evil.service'],
      ['protected-path', '/home/me/.ssh/authorized_keys'],
      ['protected-path', '/home/me/.bashrc'],
    ]);
    expect(f[0]?.reason).toContain("sudo's rules");
  });

  it('asks for new programs on PATH unless a package lists them, and for writes outside a working tree the command was allowed to stay in', () => {
    const effects = [
      { path: '/usr/local/bin/ls', change: 'added', type: 'file', mode: 0o755 },
      { path: '/usr/bin/hello', change: 'added', type: 'file', mode: 0o755 },
      { path: '/usr/bin/notes.txt', change: 'added', type: 'file', mode: 0o644 },
      { path: '/home/me/project/out', change: 'added', type: 'file', mode: 0o644 },
      { path: '/tmp/scratch', change: 'added', type: 'file', mode: 0o644 },
    ] as const;
    const f = judgeEffects(effects, {
      ...none,
      packageFiles: new Set(['/usr/bin/hello']),
      workTree: '/home/me/project',
      scratch: ['/tmp'],
    });
    expect(f.map((x) => [x.rule, x.path])).toEqual([
      ['new-executable-on-path', '/usr/local/bin/ls'],
      ['outside-work-tree', '/usr/local/bin/ls'],
      ['outside-work-tree', '/usr/bin/hello'],
      ['outside-work-tree', '/usr/bin/notes.txt'],
    ]);
  });
});

describe('programs that act outside the filesystem (one table)', () => {
  it('says which command lines cannot be undone, and why', () => {
    expect(cannotUndoReason(['systemctl', 'restart', 'nginx'])).toMatch(/systemctl: .*services/);
    expect(cannotUndoReason(['systemctl', 'status', 'nginx'])).toBeUndefined();
    expect(cannotUndoReason(['curl', '-d', 'x=1', 'http://h'])).toMatch(/sends data/);
    expect(cannotUndoReason(['curl', '-o', 'f', 'http://h'])).toBeUndefined();
    expect(cannotUndoReason(['curl', '-XPOST', 'http://h'])).toMatch(/sends data/);
    expect(cannotUndoReason(['wget', '--post-data=a', 'http://h'])).toMatch(/sends data/);
    expect(cannotUndoReason(['git', 'push', 'origin'])).toMatch(/remote repository/);
    expect(cannotUndoReason(['git', 'commit', '-m', 'x'])).toBeUndefined();
    expect(cannotUndoReason(['ip', 'addr', 'show'])).toBeUndefined();
    expect(cannotUndoReason(['ip', 'link', 'set', 'eth0', 'down'])).toMatch(/network/);
    expect(cannotUndoReason(['/usr/bin/docker', 'run', 'x'])).toMatch(/containers/);
    for (const p of ['kill', 'reboot', 'mount', 'service', 'podman']) expect(cannotUndoReason([p, 'x'])).toBeDefined();
    expect(cannotUndoReason(['apt-get', 'install', 'hello'])).toBeUndefined();
    expect(
      cannotUndo([
        { normalized: 'systemctl restart nginx', argv: ['sudo', 'systemctl', 'restart', 'nginx'], wrappers: ['sudo'] },
        { normalized: 'ls', argv: ['ls'], wrappers: [] },
      ]),
    ).toEqual([expect.stringMatching(/^systemctl: /)]);
  });
});

describe.skipIf(!canRun)('effect rules on a real overlay run', () => {
  let base: string;
  let machine: string;
  let store: UndoStore;
  beforeEach(() => {
    ({ base, machine, store } = scratchMachine('aios-tx-rules-'));
    fs.mkdirSync(path.join(machine, 'var/lib/dpkg/info'), { recursive: true });
  });
  afterEach(async () => {
    await removeScratch(base);
  });

  it('finds a setuid file, capabilities, a protected write and a new program on PATH, with nothing landed', async () => {
    const p = await beginScratch(
      store,
      machine,
      'cp ../../usr/bin/tool ../../usr/bin/rootshell && chmod 4755 ../../usr/bin/rootshell && cp ../../usr/bin/tool ../../usr/bin/netraw && setcap cap_net_raw+ep ../../usr/bin/netraw && mkdir -p ../../etc/sudoers.d && echo "me ALL=(ALL) NOPASSWD: ALL" > ../../etc/sudoers.d/me',
    );
    expect(p.exitCode, p.stderr).toBe(0);
    const findings = judgePending(
      p,
      { protect: { extra: [path.join(machine, 'etc/sudoers.d')] }, pathDirs: [path.join(machine, 'usr/bin')] },
      path.join(machine, 'var/lib/dpkg/info'),
    );
    const rules = findings.map((f) => `${f.rule} ${path.relative(machine, f.path)}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        'setuid usr/bin/rootshell',
        'capability usr/bin/netraw',
        'new-executable-on-path usr/bin/rootshell',
        'new-executable-on-path usr/bin/netraw',
        'protected-path etc/sudoers.d',
        'protected-path etc/sudoers.d/me',
      ]),
    );
    await discardTransaction(p);
    expect(fs.existsSync(path.join(machine, 'usr/bin/rootshell'))).toBe(false);
    expect(fs.existsSync(path.join(machine, 'etc/sudoers.d'))).toBe(false);
  });

  it('does not count a program a package lists (its new dpkg list in the upper layer) as a new program on PATH', async () => {
    const p = await beginScratch(
      store,
      machine,
      'cp ../../usr/bin/tool ../../usr/bin/pkgtool && printf "%s\\n" "$PWD/../../usr/bin/pkgtool" | sed "s#/home/me/../..##" > ../../var/lib/dpkg/info/pkg.list',
    );
    expect(p.exitCode, p.stderr).toBe(0);
    const findings = judgePending(p, { protect: {}, pathDirs: [path.join(machine, 'usr/bin')] }, path.join(machine, 'var/lib/dpkg/info'));
    expect(findings.filter((f) => f.rule === 'new-executable-on-path')).toEqual([]);
    await discardTransaction(p);
  });
});

describe('after the commit: which units systemd is told about', () => {
  it('names the units a package enabled and the ones whose files changed, and nothing when no unit changed', () => {
    expect(
      unitChanges([
        { path: '/usr/lib/systemd/system/hello.service', change: 'added', type: 'file', mode: 0o644 },
        { path: '/etc/systemd/system/multi-user.target.wants/hello.service', change: 'added', type: 'symlink' },
        { path: '/usr/bin/hello', change: 'added', type: 'file', mode: 0o755 },
      ]),
    ).toEqual({ files: 2, enabled: ['hello.service'], changed: [] });
    expect(unitChanges([{ path: '/lib/systemd/system/x.service', change: 'changed', type: 'file' }])).toEqual({
      files: 1,
      enabled: [],
      changed: ['x.service'],
    });
    expect(unitChanges([{ path: '/usr/bin/hello', change: 'added', type: 'file' }])).toBeNull();
  });
});
