// The main-process log lives in src/core/log (host-agnostic); the
// Electron host is its first user, so its tests sit with the host's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeLogs, RotatingFileLogger } from '../../src/core/log';
import { defaultPaths } from '../../src/core/config/paths';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-log-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('RotatingFileLogger', () => {
  it('writes one timestamped line per event, stacks indented', () => {
    const log = new RotatingFileLogger({ dir: path.join(dir, 'logs'), now: () => new Date('2025-01-02T03:04:05.000Z') });
    log.info('started', { pid: 1 });
    const err = new Error('boom');
    log.error('failed', err);
    const lines = fs.readFileSync(log.file, 'utf8').split('\n');
    expect(lines[0]).toBe('2025-01-02T03:04:05.000Z INFO  started {"pid":1}');
    expect(lines[1]).toBe('2025-01-02T03:04:05.000Z ERROR failed Error: boom');
    expect(lines[2]).toMatch(/^ {4}\s*at /);
    expect((fs.statSync(log.file).mode & 0o777).toString(8)).toBe('600');
  });

  it('rotates by size and keeps N files, oldest dropped', () => {
    const log = new RotatingFileLogger({ dir, maxBytes: 1024, keep: 2 });
    const line = 'x'.repeat(300);
    for (let i = 0; i < 20; i++) log.info(`${i} ${line}`);
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(['aios.log', 'aios.log.1', 'aios.log.2']);
    for (const f of files) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(1024);
    expect(fs.readFileSync(path.join(dir, 'aios.log'), 'utf8')).toContain(' 19 ');
    const all = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
    expect(all).not.toContain(' 0 x');
  });

  it('continues an existing file and rotates it when full', () => {
    fs.writeFileSync(path.join(dir, 'aios.log'), 'y'.repeat(1000) + '\n');
    const log = new RotatingFileLogger({ dir, maxBytes: 1024, keep: 3 });
    log.info('next');
    expect(fs.readFileSync(path.join(dir, 'aios.log.1'), 'utf8')).toMatch(/^y+\n$/);
    expect(fs.readFileSync(path.join(dir, 'aios.log'), 'utf8')).toContain('INFO  next');
  });

  it('never throws when the file cannot be written; the line goes to the fallback', () => {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const fallback: string[] = [];
    const log = new RotatingFileLogger({ dir: path.join(blocker, 'logs'), fallback: (l) => fallback.push(l) });
    expect(() => log.error('disk trouble')).not.toThrow();
    expect(fallback[0]).toContain('disk trouble');
  });
});

describe('describeLogs (for aios doctor)', () => {
  it('names the file under <data dir>/logs, its size and rotated copies', () => {
    const paths = defaultPaths({ HOME: dir, AIOS_DATA_DIR: path.join(dir, 'data') });
    expect(describeLogs(paths)).toEqual({ file: path.join(dir, 'data', 'logs', 'aios.log'), size: 0, rotated: [] });
    const log = new RotatingFileLogger({ dir: paths.logDir, maxBytes: 1024, keep: 3 });
    for (let i = 0; i < 12; i++) log.info('z'.repeat(300));
    const d = describeLogs(paths);
    expect(d.file).toBe(log.file);
    expect(d.size).toBe(fs.statSync(log.file).size);
    expect(d.rotated).toEqual([1, 2, 3].map((n) => `${log.file}.${n}`));
  });
});
