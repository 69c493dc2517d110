import { describe, expect, it } from 'vitest';
import { FlowController, HIGH_WATERMARK_CHARS, LOW_WATERMARK_CHARS } from '../../src/core/terminal/flow-control';

function target() {
  const log: string[] = [];
  return { log, pause: () => log.push('pause'), resume: () => log.push('resume') };
}

describe('FlowController', () => {
  it('pauses above the high watermark and resumes only under the low one', () => {
    const t = target();
    const flow = new FlowController(t);
    flow.attach('a');
    flow.sent(HIGH_WATERMARK_CHARS);
    expect(t.log).toEqual([]);
    flow.sent(1);
    expect(t.log).toEqual(['pause']);
    flow.sent(50_000); // more output already in flight does not pause twice
    expect(t.log).toEqual(['pause']);
    flow.acknowledged('a', HIGH_WATERMARK_CHARS + 50_001 - LOW_WATERMARK_CHARS);
    expect(t.log).toEqual(['pause']); // exactly at the low watermark: still paused
    flow.acknowledged('a', 1);
    expect(t.log).toEqual(['pause', 'resume']);
    expect(flow.isPaused).toBe(false);
  });

  it('resumes while the UI still has half the high watermark to parse, so it is not left idle while the pty refills', () => {
    const t = target();
    const flow = new FlowController(t);
    flow.attach('a');
    flow.sent(HIGH_WATERMARK_CHARS + 1);
    expect(t.log).toEqual(['pause']);
    // The UI parsed a little under half of what was in flight: the pty reads again.
    flow.acknowledged('a', Math.ceil(HIGH_WATERMARK_CHARS / 2) + 2);
    expect(t.log).toEqual(['pause', 'resume']);
    expect(flow.unacknowledged).toBeGreaterThanOrEqual(HIGH_WATERMARK_CHARS / 2 - 1);
  });

  it('never goes negative on over-acknowledgement and reset resumes', () => {
    const t = target();
    const flow = new FlowController(t);
    flow.attach('a');
    flow.acknowledged('a', 10_000);
    expect(flow.unacknowledged).toBe(0);
    flow.sent(HIGH_WATERMARK_CHARS + 1);
    flow.reset();
    expect(t.log).toEqual(['pause', 'resume']);
    expect(flow.unacknowledged).toBe(0);
  });

  it('counts per client: a stalled client holds the shell, the other cannot acknowledge for it, detaching frees it', () => {
    const t = target();
    const flow = new FlowController(t);
    flow.attach('fast');
    flow.attach('slow');
    flow.sent(HIGH_WATERMARK_CHARS + 1);
    expect(t.log).toEqual(['pause']);
    // The fast client acknowledges everything, twice over: the slow one still owes it all.
    flow.acknowledged('fast', HIGH_WATERMARK_CHARS + 1);
    flow.acknowledged('fast', HIGH_WATERMARK_CHARS + 1);
    expect(flow.unacknowledgedBy('fast')).toBe(0);
    expect(flow.unacknowledgedBy('slow')).toBe(HIGH_WATERMARK_CHARS + 1);
    expect(flow.isPaused).toBe(true);
    // A third tab attaching does not reset the slow one's count.
    flow.attach('third');
    expect(flow.unacknowledgedBy('slow')).toBe(HIGH_WATERMARK_CHARS + 1);
    expect(flow.isPaused).toBe(true);
    // An acknowledgement from a client that is not attached counts for nobody.
    flow.acknowledged('stranger', HIGH_WATERMARK_CHARS);
    expect(flow.isPaused).toBe(true);
    flow.detach('slow');
    expect(t.log).toEqual(['pause', 'resume']);
    expect(flow.unacknowledged).toBe(0);
  });

  it('with no client attached nothing holds the shell back', () => {
    const t = target();
    const flow = new FlowController(t);
    flow.sent(10 * HIGH_WATERMARK_CHARS);
    expect(t.log).toEqual([]);
  });
});
