import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretSet } from '../../src/core/environment';
import { Executor, Sandbox, confinementFor } from '../../src/core/executor';
import { runInOverlay, removeRun } from '../../src/core/jail/preview';
import { DEFAULT_PREVIEW, previewCommand } from '../../src/core/preview';

/**
 * The preview's walls that need mounts made by the test (root): a folder
 * mounted beneath a target (as the memory folder under the home), a file
 * mounted there (which no overlay can cover: no preview), filling memory,
 * and what the preview says: scrubbed environment, redacted text, a mark
 * when the command can tell it is previewed.
 */
const isRoot = process.getuid?.() === 0;
let tree: string;
const mounted: string[] = [];
beforeEach(() => {
  tree = fs.realpathSync(fs.mkdtempSync(path.join('/var/tmp', 'aios-walls-')));
});
afterEach(() => {
  for (const m of mounted.splice(0).reverse()) spawnSync('umount', [m]);
  fs.rmSync(tree, { recursive: true, force: true });
});
const env = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/nonexistent' };

describe.skipIf(!isRoot)('the preview fails closed and keeps its walls (root: the test mounts things)', () => {
  it('a folder mounted beneath the working tree is overlaid too: the write is previewed and never lands', async () => {
    const mem = path.join(tree, 'memory');
    fs.mkdirSync(mem);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mem]).status).toBe(0);
    mounted.push(mem);
    fs.writeFileSync(path.join(mem, 'memory.db'), 'real\n');
    const p = await previewCommand(
      { command: 'echo planted >> memory/memory.db; echo new > memory/new', cwd: tree, env },
      { ...DEFAULT_PREVIEW, paths: [] },
    );
    expect(p.ran).toBe(true);
    expect(p.changes.map((c) => `${c.kind} ${c.display}`).sort()).toEqual(['added ./memory/new', 'changed ./memory/memory.db']);
    expect(fs.readFileSync(path.join(mem, 'memory.db'), 'utf8')).toBe('real\n');
    expect(fs.existsSync(path.join(mem, 'new'))).toBe(false);
  });

  it('a mount beneath a target that overlayfs refuses (stacked too deep) is read-only there instead: no hole, and said', async () => {
    // Two overlays stacked under the tree: a third (the preview's) exceeds the kernel's stacking depth.
    const base = path.join(tree, '.stack');
    for (const d of ['low', 'up1', 'w1', 'mid', 'up2', 'w2']) fs.mkdirSync(path.join(base, d), { recursive: true });
    fs.writeFileSync(path.join(base, 'low', 'file'), 'real\n');
    const sub = path.join(tree, 'sub');
    fs.mkdirSync(sub);
    expect(
      spawnSync('mount', [
        '-t',
        'overlay',
        'overlay',
        '-o',
        `lowerdir=${base}/low,upperdir=${base}/up1,workdir=${base}/w1`,
        path.join(base, 'mid'),
      ]).status,
    ).toBe(0);
    mounted.push(path.join(base, 'mid'));
    expect(
      spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${base}/mid,upperdir=${base}/up2,workdir=${base}/w2`, sub]).status,
    ).toBe(0);
    mounted.push(sub);
    const p = await previewCommand(
      { command: 'echo planted >> sub/file; echo ok > fine', cwd: tree, env },
      { ...DEFAULT_PREVIEW, paths: [] },
    );
    expect(p.ran, p.limits.join('\n')).toBe(true);
    expect(p.changes.map((c) => `${c.kind} ${c.display}`)).toEqual(['added ./fine']);
    expect(p.limits.join('\n')).toMatch(/sub \(overlayfs refused it/);
    expect(fs.readFileSync(path.join(sub, 'file'), 'utf8')).toBe('real\n');
  });

  it('a file mounted beneath a target (as nspawn binds /etc/localtime) is read-only in the preview: no hole, and said', async () => {
    const target = path.join(tree, 'config.toml');
    const source = path.join(os.tmpdir(), `aios-walls-src-${process.pid}`);
    fs.writeFileSync(target, 'real\n');
    fs.writeFileSync(source, 'real\n');
    expect(spawnSync('mount', ['--bind', source, target]).status).toBe(0);
    mounted.push(target);
    try {
      const p = await previewCommand(
        { command: 'echo planted >> config.toml; echo ok > fine', cwd: tree, env },
        { ...DEFAULT_PREVIEW, paths: [] },
      );
      expect(p.ran, p.limits.join('\n')).toBe(true);
      expect(p.changes.map((c) => `${c.kind} ${c.display}`)).toEqual(['added ./fine']);
      expect(p.limits.join('\n')).toMatch(/config\.toml \(a file mounted there; it was read-only in the preview\)/);
      expect(fs.readFileSync(source, 'utf8')).toBe('real\n');
    } finally {
      spawnSync('umount', [target]);
      mounted.pop();
      fs.rmSync(source, { force: true });
    }
  });

  it("filling memory in the preview hits its limit, not the host's RAM: the upper layers count against it", async () => {
    const run = await runInOverlay({
      command: 'head -c 200M /dev/zero > big; echo wrote',
      cwd: tree,
      env,
      paths: [],
      timeoutMs: 30_000,
      memoryBytes: 64 * 1024 * 1024,
    });
    try {
      expect(run.setupError).toBeNull();
      expect(run.exitCode).not.toBe(0);
      const big = path.join(run.targets[0]?.upper ?? '', 'big');
      expect(fs.existsSync(big) ? fs.statSync(big).size : 0).toBeLessThan(64 * 1024 * 1024);
    } finally {
      removeRun(run);
    }
  });

  it('/tmp and /dev/shm on the quiet path are capped: filling them fails there, not on the host', async () => {
    const r = await new Executor({ sandbox: new Sandbox() }).run({
      cwd: tree,
      confinement: confinementFor(tree, {}),
      command:
        'head -c 300M /dev/zero > /tmp/fill || echo tmp-full; head -c 300M /dev/zero > /dev/shm/fill || echo shm-full; touch /dev/planted || echo dev-read-only',
    });
    expect(r.fullOutput).toContain('tmp-full');
    expect(r.fullOutput).toContain('shm-full');
    expect(r.fullOutput).toContain('dev-read-only');
  });
});

describe.skipIf(!isRoot)('what the preview says', () => {
  it('runs with the environment it is given (the scrubbed one) and its file names, diffs and errors are redacted', async () => {
    const key = 'sk-aios-preview-canary-0123456789abcdef';
    const secrets = new SecretSet();
    secrets.add(key);
    fs.writeFileSync(path.join(tree, 'notes.txt'), 'one\n');
    const p = await previewCommand(
      {
        command: `echo "$OPENAI_API_KEY" >> notes.txt; touch "f-${key}"; echo "key=${key}" >&2; exit 3`,
        cwd: tree,
        env: { ...env, OPENAI_API_KEY: 'scrubbed-away' },
        secrets,
      },
      { ...DEFAULT_PREVIEW, paths: [] },
    );
    expect(p.ran).toBe(true);
    const text = JSON.stringify(p);
    expect(text).not.toContain(key);
    expect(text).toContain('[redacted]');
    expect(p.changes.find((c) => c.display === './notes.txt')?.diff).toContain('+scrubbed-away');
  });

  it('marks a command that looks at its mount table or cgroups: it can tell it is being previewed', async () => {
    const p = await previewCommand(
      { command: 'grep -q overlay /proc/self/mountinfo || rm -rf ./data', cwd: tree, env },
      { ...DEFAULT_PREVIEW, paths: [] },
    );
    expect(p.limits.join('\n')).toMatch(/can tell it is being previewed/);
    const plain = await previewCommand({ command: 'rm -rf ./data', cwd: tree, env }, { ...DEFAULT_PREVIEW, paths: [] });
    expect(plain.limits.join('\n')).not.toMatch(/previewed/);
  });
});

describe.skipIf(!isRoot)('a stray kernel filesystem (a root file system being built has its own /proc)', () => {
  it("shows neither the quiet path nor the preview the host's processes, and does not stop the preview", async () => {
    const stray = path.join(tree, 'rootfs', 'proc');
    fs.mkdirSync(stray, { recursive: true });
    expect(spawnSync('mount', ['-t', 'proc', 'proc', stray]).status).toBe(0);
    mounted.push(stray);
    const look = `cat ${stray}/${process.pid}/cmdline >/dev/null 2>&1 && echo SAW-HOST-PROC || echo hidden`;
    const quiet = await new Executor({ sandbox: new Sandbox() }).run({ cwd: tree, confinement: confinementFor(tree, {}), command: look });
    expect(quiet.fullOutput).toContain('hidden');
    expect(quiet.fullOutput).not.toContain('SAW-HOST-PROC');
    fs.writeFileSync(path.join(tree, 'seen.txt'), 'seen\n');
    const p = await previewCommand({ command: `${look} >> seen.txt`, cwd: tree, env }, { ...DEFAULT_PREVIEW, paths: ['/var'] });
    expect(p.ran, p.limits.join('\n')).toBe(true);
    const diff = p.changes.find((c) => c.display === './seen.txt')?.diff ?? '';
    expect(diff).toContain('+hidden');
  });
});
