import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemoryStore } from '../../src/core/memory';
import { MAPPED_READ_BYTES } from '../../src/core/memory/mapped-reads';
import { collect, repoRoot, spawnTsx } from '../support/process';
import { isolatedEnv, makeTempDir, type TempDir } from '../support/temp';

const TRUNCATED = path.join(repoRoot, 'test', 'support', 'truncated-search.ts');

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('aios-mapped-reads-');
});
afterEach(() => tmp.cleanup());

describe('memory-mapped reads', () => {
  it("map the memory file on the store's connection", () => {
    const store = openMemoryStore(tmp.join('memory.db'), { upkeep: false });
    try {
      expect(store.connection.pragma('mmap_size', { simple: true })).toBe(MAPPED_READ_BYTES);
    } finally {
      store.close();
    }
  });

  it('are given up when the file is cut short behind SQLite, so the process lives (no SIGBUS)', async () => {
    const db = tmp.join('memory.db');
    const child = spawnTsx(TRUNCATED, [db], isolatedEnv(tmp.path));
    const exited = await collect(child);
    expect(exited.signal, exited.stderr).toBeNull();
    expect(exited.code, exited.stderr).toBe(0);
    expect(exited.stdout).toMatch(/^FIRST 20\nSECOND \S+/);
  }, 60_000);

  it('are given up when the file is gone, and the store goes on', () => {
    const db = tmp.join('memory.db');
    const store = openMemoryStore(db, { upkeep: false });
    try {
      store.create('kernel tuning notes');
      expect(store.search('kernel')).toHaveLength(1);
      tmp.cleanup();
      // The open file lives on without its name; reads no longer go through the map.
      expect(store.search('kernel')).toHaveLength(1);
      expect(store.connection.pragma('mmap_size', { simple: true })).toBe(0);
    } finally {
      store.close();
    }
  });
});
