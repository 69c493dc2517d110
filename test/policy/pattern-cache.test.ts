import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/load';
import { PatternFileCache, PolicyEngine, type PatternCache } from '../../src/core/policy';
import type { CompiledPattern } from '../../src/core/policy/rules/pattern';
import { CORPUS, FALSE_POSITIVES } from './corpus';
import { CTX, SHIPPED_CONFIG, tempDir } from '../support/policy';

/** Patterns compiled by an earlier process, read back from the cache folder, judge exactly as freshly compiled ones. */

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = tempDir('aios-pattern-cache-');
});
afterEach(() => tmp.cleanup());

/** Counts what the engine had to compile (a cache miss) and what it read back. */
class Counting implements PatternCache {
  hits = 0;
  misses = 0;
  constructor(private readonly inner: PatternFileCache) {}
  get(text: string): CompiledPattern | undefined {
    const p = this.inner.get(text);
    if (p) this.hits++;
    else this.misses++;
    return p;
  }
  set(text: string, p: CompiledPattern): void {
    this.inner.set(text, p);
  }
}

const engine = (patternCache?: PatternCache) =>
  PolicyEngine.create({ config: loadConfig({ file: SHIPPED_CONFIG }), hostname: 'test-host', ...(patternCache ? { patternCache } : {}) });

describe('the compiled-pattern cache', () => {
  it('is written by one process and read back by the next, which then compiles nothing', async () => {
    const first = PatternFileCache.open(tmp.dir, 'code-1');
    const counting = new Counting(first);
    await engine(counting);
    // A text in several lists (the base and a profile) is compiled once.
    expect(counting.misses).toBeGreaterThan(40);
    first.save();
    expect(fs.statSync(path.join(tmp.dir, 'policy-patterns.json')).mode & 0o777).toBe(0o600);

    const again = new Counting(PatternFileCache.open(tmp.dir, 'code-1'));
    await engine(again);
    expect(again.misses).toBe(0);
    expect(again.hits).toBe(counting.hits + counting.misses);
  });

  it('decides every corpus line exactly as freshly compiled patterns do', async () => {
    const warm = PatternFileCache.open(tmp.dir, 'code-1');
    await engine(warm);
    warm.save();
    const fresh = await engine();
    const cached = await engine(PatternFileCache.open(tmp.dir, 'code-1'));
    for (const c of [...CORPUS, ...FALSE_POSITIVES]) expect(cached.decide(c.cmd, CTX), c.cmd).toEqual(fresh.decide(c.cmd, CTX));
    expect(cached.describe()).toBe(fresh.describe());
  });

  it('is ignored whole when another build wrote it, or an entry was compiled from other text', async () => {
    const warm = PatternFileCache.open(tmp.dir, 'code-1');
    await engine(warm);
    warm.save();
    expect(PatternFileCache.open(tmp.dir, 'code-2').get('rm -rf /')).toBeUndefined();
    expect(PatternFileCache.open(tmp.dir, 'code-1').get('rm -rf /')).toMatchObject({ kind: 'simple', source: 'rm -rf /' });

    // `rm -rf /` made to read like the harmless `ls`: the file is not this code's cache any more.
    const file = path.join(tmp.dir, 'policy-patterns.json');
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { patterns: Record<string, unknown> };
    data.patterns['rm -rf /'] = data.patterns.ls;
    fs.writeFileSync(file, JSON.stringify(data));
    const tampered = PatternFileCache.open(tmp.dir, 'code-1');
    expect(tampered.get('rm -rf /')).toBeUndefined();
    expect(tampered.get('ls')).toBeUndefined();
    expect((await engine(tampered)).decide('rm -rf /', CTX).decision).toBe('deny');

    fs.writeFileSync(file, '{"code": "code-1", "patterns": ');
    expect(PatternFileCache.open(tmp.dir, 'code-1').get('ls')).toBeUndefined();
  });

  it('compiles as before when the cache folder cannot be written', async () => {
    const blocked = path.join(tmp.dir, 'not-a-dir');
    fs.writeFileSync(blocked, '');
    const cache = PatternFileCache.open(blocked, 'code-1');
    const e = await engine(cache);
    expect(() => cache.save()).not.toThrow();
    expect(e.decide('rm -rf /', CTX).decision).toBe('deny');
    expect(fs.readdirSync(tmp.dir)).toEqual(['not-a-dir']);
  });
});

describe('the cache file', () => {
  it('keeps only the patterns in use once old ones pile up', async () => {
    const cache = PatternFileCache.open(tmp.dir, 'code-1');
    const e = await engine(cache);
    const file = path.join(tmp.dir, 'policy-patterns.json');
    cache.save();
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { patterns: Record<string, unknown> };
    const inUse = Object.keys(data.patterns).length;
    // 1,500 patterns of earlier configurations.
    for (let i = 0; i < 1500; i++) data.patterns[`old-${i}`] = { ...(data.patterns.ls as object), source: `old-${i}` };
    fs.writeFileSync(file, JSON.stringify(data));
    const next = PatternFileCache.open(tmp.dir, 'code-1');
    await engine(next);
    next.set('echo new', { ...(next.get('ls') as CompiledPattern), source: 'echo new' });
    next.save();
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { patterns: Record<string, unknown> };
    expect(Object.keys(saved.patterns)).toHaveLength(inUse + 1);
    expect(saved.patterns['old-1']).toBeUndefined();
    expect(e.decide('rm -rf /', CTX).decision).toBe('deny');
  });
});
