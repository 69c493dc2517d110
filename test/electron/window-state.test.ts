import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadWindowState, saveWindowState } from '../../src/hosts/electron/window-state';
import { recordingLogger } from './fake-electron';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-winstate-'));
  file = path.join(dir, 'window-state.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const display = [{ x: 0, y: 0, width: 1920, height: 1080 }];

describe('window state', () => {
  it('round-trips a valid state', () => {
    const logger = recordingLogger();
    saveWindowState(file, { x: 5, y: 6, width: 800, height: 600, maximized: true }, logger);
    expect(loadWindowState(file, logger, display)).toEqual({ x: 5, y: 6, width: 800, height: 600, maximized: true });
    expect(logger.lines).toEqual([]);
  });

  it('a missing file is the first run: defaults, nothing logged', () => {
    const logger = recordingLogger();
    expect(loadWindowState(file, logger, display)).toBeUndefined();
    expect(logger.lines).toEqual([]);
  });

  it.each([
    ['not JSON', '{"width":'],
    ['an array', '[800, 600]'],
    ['a string size', '{"width":"800","height":600}'],
    ['a tiny window', '{"width":10,"height":10}'],
    ['a huge window', '{"width":100000,"height":600}'],
    ['a fractional size', '{"width":800.5,"height":600}'],
    ['an unknown key', '{"width":800,"height":600,"zoom":3}'],
    ['null', 'null'],
  ])('ignores %s and logs it', (_name, text) => {
    fs.writeFileSync(file, text);
    const logger = recordingLogger();
    expect(loadWindowState(file, logger, display)).toBeUndefined();
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({ level: 'warn' });
    expect(logger.lines[0]!.message).toContain(file);
    // And in the real log file, as one WARN line.
    expect(logger.readFile()).toMatch(new RegExp(`^\\S+ WARN  .*${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
  });

  it('drops a position that is off every display but keeps the size', () => {
    fs.writeFileSync(file, JSON.stringify({ x: 5000, y: 5000, width: 800, height: 600 }));
    const logger = recordingLogger();
    expect(loadWindowState(file, logger, display)).toEqual({ width: 800, height: 600, maximized: false });
  });
});
