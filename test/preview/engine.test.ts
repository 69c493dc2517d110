/**
 * The preview engine with real namespaces and overlayfs: what a
 * command would add, change, delete and re-mode is read back from the upper
 * layers, and nothing outside the overlay is touched, checked file by file.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PREVIEW, previewCommand, type PreviewSettings } from '../../src/core/preview';
import { previewText, type Preview } from '../../src/shared/preview';

// Only the working tree (and /tmp) are overlaid in most cases: fast, and every other mount is read-only in the preview.
const settings: PreviewSettings = { ...DEFAULT_PREVIEW, paths: ['/tmp', '/etc'], timeoutMs: 10_000 };
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), LANG: 'C' };

/** Every path under dir with its type, mode, size, mtime and content hash. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    const hash = st.isFile()
      ? crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')
      : st.isSymbolicLink()
        ? fs.readlinkSync(p)
        : '';
    out.set(path.relative(dir, p), `${st.mode} ${st.size} ${st.mtimeMs} ${hash}`);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
  };
  walk(dir);
  return out;
}

/** A preview that ran: one that could not start fails here, saying why (its `no preview: …` line). */
async function ranPreview(...args: Parameters<typeof previewCommand>): Promise<Preview> {
  const p = await previewCommand(...args);
  expect(p.ran, p.limits.join('\n')).toBe(true);
  return p;
}

const hasDpkg = spawnSync('dpkg-deb', ['--version']).status === 0;

let tree: string;
beforeEach(() => {
  tree = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-preview-test-'));
  fs.mkdirSync(path.join(tree, 'build', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'build', 'a.o'), 'x'.repeat(1000));
  fs.writeFileSync(path.join(tree, 'build', 'sub', 'b.o'), 'y'.repeat(2000));
  fs.writeFileSync(path.join(tree, 'build', 'c.o'), 'z'.repeat(3000));
  fs.writeFileSync(path.join(tree, 'notes.txt'), 'one\ntwo\nthree\n');
  fs.writeFileSync(path.join(tree, 'run.sh'), 'echo hi\n', { mode: 0o644 });
  fs.mkdirSync(path.join(tree, 'keep'));
  fs.writeFileSync(path.join(tree, 'keep', 'old'), 'old');
});
afterEach(() => fs.rmSync(tree, { recursive: true, force: true }));

const byKind = (p: Preview, kind: string) =>
  p.changes
    .filter((c) => c.kind === kind)
    .map((c) => c.display)
    .sort();

describe('preview engine', () => {
  it('lists what rm -rf ./build would delete, with sizes, and leaves every file in place', async () => {
    const before = snapshot(tree);
    const p = await ranPreview({ command: 'rm -rf ./build', cwd: tree, env }, settings);
    expect(p.ran).toBe(true);
    expect(byKind(p, 'deleted')).toEqual(['./build', './build/a.o', './build/c.o', './build/sub', './build/sub/b.o']);
    expect(p.lines).toEqual(['would delete 3 files and 2 directories (5.9 KB) in ./build']);
    expect(p.limits).toEqual([]);
    expect(snapshot(tree)).toEqual(before);
  });

  it('sees files added, changed with a unified diff, re-moded, and a directory made again (opaque)', async () => {
    const before = snapshot(tree);
    const p = await ranPreview(
      {
        command: 'echo four >> notes.txt; echo new > added.txt; chmod 755 run.sh; rm -rf keep && mkdir keep && echo fresh > keep/new',
        cwd: tree,
        env,
      },
      settings,
    );
    expect(p.ran).toBe(true);
    expect(byKind(p, 'added')).toEqual(['./added.txt', './keep/new']);
    expect(byKind(p, 'deleted')).toEqual(['./keep/old']);
    expect(byKind(p, 'mode')).toEqual(['./run.sh']);
    const notes = p.changes.find((c) => c.display === './notes.txt');
    expect(notes).toMatchObject({ kind: 'changed', added: 1, removed: 0, size: 19, oldSize: 14 });
    expect(notes?.diff).toContain('+four');
    expect(p.changes.find((c) => c.display === './run.sh')).toMatchObject({ oldMode: '644', newMode: '755' });
    expect(p.lines).toContain('would change ./notes.txt: +1 −0');
    expect(p.lines).toContain('would change the mode of ./run.sh: 644 → 755');
    expect(previewText(p, { full: true })).toContain('deleted ./keep/old');
    expect(snapshot(tree)).toEqual(before);
  });

  it('previews a change to a system file (/etc) without making it', async () => {
    const hosts = fs.readFileSync('/etc/hosts');
    const p = await ranPreview({ command: 'echo "10.9.9.9 preview-test" >> /etc/hosts', cwd: tree, env }, settings);
    expect(p.lines).toContain('would change /etc/hosts: +1 −0');
    expect(fs.readFileSync('/etc/hosts').equals(hosts)).toBe(true);
  });

  it('leaves writes outside the overlays unmade: every other mount is read-only in the preview', async () => {
    // A folder that exists in the preview too, wherever the checkout lives (the preview's /tmp is its own).
    const outsideDir = fs.mkdtempSync('/var/tmp/aios-preview-outside-');
    const outside = path.join(outsideDir, 'x');
    const p = await ranPreview({ command: `echo x > ${outside}`, cwd: tree, env }, { ...settings, paths: [] });
    expect(fs.existsSync(outside)).toBe(false);
    expect(p.exitCode).not.toBe(0);
    expect(p.limits.join('\n')).toMatch(/failed in the preview.*Read-only file system/);
    fs.rmSync(outsideDir, { recursive: true, force: true });
  });

  it('says so when the command outlives the time limit, and still shows what it did before', async () => {
    const p = await ranPreview({ command: 'echo early > early.txt; sleep 30', cwd: tree, env }, { ...settings, timeoutMs: 700 });
    expect(p.timedOut).toBe(true);
    expect(p.limits[0]).toMatch(/did not finish within 0.7 s/);
    expect(byKind(p, 'added')).toEqual(['./early.txt']);
  });

  it('marks a command that needs the network: the network is off in the preview', async () => {
    const p = await ranPreview({ command: 'curl -sS http://127.0.0.1:9/ -o page.html', cwd: tree, env }, settings);
    expect(p.ran).toBe(true);
    expect(p.limits.some((l) => l.startsWith('the network was off in the preview'))).toBe(true);
    expect(fs.existsSync(path.join(tree, 'page.html'))).toBe(false);
  });

  it('names talking to systemd and sudo as limits', async () => {
    const p = await ranPreview({ command: 'systemctl restart nothing-here.service; true', cwd: tree, env }, settings);
    expect(p.limits.some((l) => l.includes('systemd'))).toBe(true);
  });

  it.skipIf(!hasDpkg || process.getuid?.() !== 0)('previews a package install: the files dpkg would add, none installed', async () => {
    // A tiny real .deb built here (no network): one program and one config file.
    const pkg = path.join(tree, 'pkg');
    fs.mkdirSync(path.join(pkg, 'DEBIAN'), { recursive: true });
    fs.mkdirSync(path.join(pkg, 'usr', 'bin'), { recursive: true });
    fs.mkdirSync(path.join(pkg, 'etc'), { recursive: true });
    fs.writeFileSync(
      path.join(pkg, 'DEBIAN', 'control'),
      'Package: aios-preview-probe\nVersion: 1.0\nArchitecture: all\nMaintainer: aios tests <t@example.invalid>\nDescription: preview probe\n',
    );
    fs.writeFileSync(path.join(pkg, 'usr', 'bin', 'aios-preview-probe'), '#!/bin/sh\necho probe\n', { mode: 0o755 });
    fs.writeFileSync(path.join(pkg, 'etc', 'aios-preview-probe.conf'), 'x=1\n');
    const built = spawnSync('dpkg-deb', ['--root-owner-group', '--build', pkg, path.join(tree, 'probe.deb')], { encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    const p = await ranPreview({ command: 'dpkg -i ./probe.deb', cwd: tree, env }, { ...settings, paths: ['/usr', '/etc', '/var'] });
    expect(p.exitCode, p.limits.join('\n')).toBe(0);
    expect(byKind(p, 'added')).toEqual(expect.arrayContaining(['/usr/bin/aios-preview-probe', '/etc/aios-preview-probe.conf']));
    expect(p.lines.some((l) => l.startsWith('would add') && l.includes('/usr'))).toBe(true);
    expect(fs.existsSync('/usr/bin/aios-preview-probe')).toBe(false);
    expect(spawnSync('dpkg', ['-s', 'aios-preview-probe']).status).not.toBe(0);
  });

  it('cannot reach a real service over a unix socket, write a device, remount or change kernel settings', async () => {
    // A real unix-socket server in a socket folder under the tree (as tmux's or ssh-agent's are).
    // Note: on this CI kernel a connect through an overlay is refused even without the covering
    // tmpfs, so `reached` guards against regressions only on kernels where it would connect.
    const sockDir = path.join(tree, 'run-sock');
    fs.mkdirSync(sockDir);
    const sock = path.join(sockDir, 'svc.sock');
    let reached = 0;
    const server = net.createServer((c) => {
      reached++;
      c.end();
    });
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const p = await ranPreview(
        {
          command: `bash -c 'exec 3<>/dev/tcp/127.0.0.1/1' 2>/dev/null; python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.connect('${sock}')" 2>&1 | tail -1; mount -o remount,rw / 2>&1; echo 3 > /proc/sys/vm/drop_caches 2>&1; ls /dev; touch tried`,
          cwd: tree,
          env,
        },
        settings,
      );
      expect(p.ran).toBe(true);
      expect(reached).toBe(0);
      expect(byKind(p, 'added')).toEqual(['./tried']);
      expect(p.limits.join('\n')).toContain('devices, mounts or kernel settings');
      expect(fs.readdirSync(sockDir)).toEqual(['svc.sock']);
    } finally {
      server.close();
    }
  });

  it("runs a denied-by-mounts write as a failure, not as a real change: /dev is the preview's own", async () => {
    const marker = `/dev/shm/aios-preview-marker-${process.pid}`;
    const p = await ranPreview({ command: `echo x > ${marker}; echo y > /dev/aios-preview-dev-${process.pid}`, cwd: tree, env }, settings);
    expect(p.ran).toBe(true);
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.existsSync(`/dev/aios-preview-dev-${process.pid}`)).toBe(false);
  });

  it("the command cannot see or rewrite the preview's own record (upper layers, listings, exit code)", async () => {
    const p = await ranPreview(
      {
        command:
          'rm -rf ./build; for d in /dev/shm/aios-preview-* /tmp/aios-preview-* /proc/[0-9]*/root/dev/shm/aios-preview-*; do rm -rf "$d"/up/* "$d"/lst/* 2>/dev/null; echo 0 > "$d/exit" 2>/dev/null; done; ls -d /dev/shm/aios-preview-*/up 2>&1; exit 3',
        cwd: tree,
        env,
      },
      settings,
    );
    expect(p.exitCode).toBe(3);
    expect(byKind(p, 'deleted')).toContain('./build/a.o');
  });
});
