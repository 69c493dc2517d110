import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { attachCrashRecovery } from '../../src/hosts/electron/crash-recovery';
import { installProcessErrorHandlers } from '../../src/hosts/electron/process-errors';
import { recordingLogger } from './fake-electron';

function harness(options: { maxAttempts?: number } = {}) {
  const contents = Object.assign(new EventEmitter(), {
    forcefullyCrashRenderer() {
      contents.emit('render-process-gone', {}, { reason: 'killed', exitCode: 9 });
    },
  });
  const window = Object.assign(new EventEmitter(), { destroyed: false, isDestroyed: () => window.destroyed, webContents: contents });
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const reloads: number[] = [];
  const gaveUp: string[] = [];
  const logger = recordingLogger();
  const recovery = attachCrashRecovery(window, {
    logger,
    reload: async () => void reloads.push(1),
    onGiveUp: (reason) => gaveUp.push(reason),
    maxAttempts: options.maxAttempts ?? 3,
    baseDelayMs: 100,
    maxDelayMs: 250,
    stableMs: 10_000,
    schedule: (fn, ms) => {
      const t = { fn, ms };
      timers.push(t);
      return () => timers.splice(timers.indexOf(t) >>> 0, 1);
    },
  });
  const fire = (ms: number) => {
    const due = timers.filter((t) => t.ms === ms);
    for (const t of due) timers.splice(timers.indexOf(t), 1);
    for (const t of due) t.fn();
    return due.length;
  };
  const crash = () => contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
  return { window, contents, timers, reloads, gaveUp, logger, recovery, fire, crash };
}

describe('crash recovery', () => {
  it('backs off between reloads and caps the delay', () => {
    const h = harness({ maxAttempts: 5 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      h.crash();
      delays.push(h.timers[0]!.ms);
      h.fire(h.timers[0]!.ms);
    }
    expect(delays).toEqual([100, 200, 250, 250]);
    expect(h.reloads).toHaveLength(4);
    expect(h.logger.lines.filter((l) => l.level === 'warn')).toHaveLength(4);
  });

  it('stops after the bounded number of reloads and hands over to the host', () => {
    const h = harness({ maxAttempts: 2 });
    for (let i = 0; i < 3; i++) {
      h.crash();
      if (h.timers[0]) h.fire(h.timers[0].ms);
    }
    expect(h.reloads).toHaveLength(2);
    expect(h.gaveUp).toEqual(['process gone (crashed, exit code 139)']);
    h.crash();
    expect(h.reloads).toHaveLength(2);
    expect(h.gaveUp).toHaveLength(1);
    h.recovery.reset();
    h.crash();
    h.fire(100);
    expect(h.reloads).toHaveLength(3);
  });

  it('a second report while a reload is pending does not reload twice', () => {
    const h = harness();
    h.window.emit('unresponsive');
    h.crash();
    expect(h.timers.filter((t) => t.ms === 100)).toHaveLength(1);
    h.fire(100);
    expect(h.reloads).toHaveLength(1);
  });

  it('a UI that stays up after loading starts the count afresh', () => {
    const h = harness();
    h.crash();
    h.fire(100);
    h.crash();
    h.fire(200);
    expect(h.recovery.attempts).toBe(2);
    h.contents.emit('did-finish-load');
    expect(h.fire(10_000)).toBe(1);
    expect(h.recovery.attempts).toBe(0);
  });

  it('does nothing for a destroyed window or after dispose', () => {
    const h = harness();
    h.window.destroyed = true;
    h.crash();
    expect(h.timers).toHaveLength(0);
    h.window.destroyed = false;
    h.crash();
    h.recovery.dispose();
    expect(h.timers).toHaveLength(0);
    h.crash();
    expect(h.reloads).toHaveLength(0);
  });
});

describe('main-process error handlers', () => {
  it('log every error, show a bounded number per minute, and can be removed', () => {
    const source = new EventEmitter();
    const logger = recordingLogger();
    const shown: string[] = [];
    let now = 0;
    const remove = installProcessErrorHandlers(source as unknown as NodeJS.Process, {
      logger,
      show: (title) => shown.push(title),
      maxShown: 2,
      windowMs: 1000,
      now: () => now,
    });
    for (let i = 0; i < 4; i++) source.emit('uncaughtException', new Error(`e${i}`));
    expect(logger.lines).toHaveLength(4);
    expect(shown).toHaveLength(2);
    now = 2000;
    source.emit('unhandledRejection', 'plain reason');
    expect(shown).toEqual(['aios: unexpected error', 'aios: unexpected error', 'aios: unhandled promise rejection']);
    remove();
    expect(source.listenerCount('uncaughtException') + source.listenerCount('unhandledRejection')).toBe(0);
  });
});
