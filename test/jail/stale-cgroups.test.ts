import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PREVIEW, previewCommand } from '../../src/core/preview';

/**
 * A preview's cgroups outlive an aios killed mid-preview (runc never gets
 * to delete them): the next aios's first preview removes the empty ones of
 * dead aios processes, and leaves a living one's alone.
 */
const isRoot = process.getuid?.() === 0;
const hierarchy = '/sys/fs/cgroup/pids';
const dead = spawnSync('true').pid ?? 0;
const made: string[] = [];
afterAll(() => {
  for (const d of made) if (fs.existsSync(d)) fs.rmdirSync(d);
});

describe.skipIf(!isRoot || !fs.existsSync(hierarchy))('cgroups left by a killed preview', () => {
  it("are removed at the next start when their aios is gone; a living aios's stay", async () => {
    const stale = path.join(hierarchy, `aios-preview-${dead}-stale`);
    const living = path.join(hierarchy, `aios-preview-${process.ppid}-living`);
    for (const d of [stale, living]) {
      fs.mkdirSync(d);
      made.push(d);
    }
    const tree = fs.mkdtempSync('/var/tmp/aios-stale-');
    try {
      const p = await previewCommand({ command: 'true', cwd: tree, env: { PATH: '/usr/bin:/bin' } }, { ...DEFAULT_PREVIEW, paths: [] });
      expect(p.ran, p.limits.join('\n')).toBe(true);
    } finally {
      fs.rmSync(tree, { recursive: true, force: true });
    }
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(living)).toBe(true);
    fs.rmdirSync(living);
  });
});
