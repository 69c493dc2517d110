import { describe, expect, it } from 'vitest';
import { FlowController, HIGH_WATERMARK_CHARS, LOW_WATERMARK_CHARS } from '../../src/main/core/terminal/flow-control';

function target() {
  const log: string[] = [];
  return { log, pause: () => log.push('pause'), resume: () => log.push('resume') };
}

describe('FlowController', () => {
  it('pauses above the high watermark and resumes only under the low one', () => {
    const t = target();
    const flow = new FlowController(t);
    flow.sent(HIGH_WATERMARK_CHARS);
    expect(t.log).toEqual([]);
    flow.sent(1);
    expect(t.log).toEqual(['pause']);
    flow.sent(50_000); // more output already in flight does not pause twice
    expect(t.log).toEqual(['pause']);
    flow.acknowledged(HIGH_WATERMARK_CHARS + 50_001 - LOW_WATERMARK_CHARS);
    expect(t.log).toEqual(['pause']); // exactly at the low watermark: still paused
    flow.acknowledged(1);
    expect(t.log).toEqual(['pause', 'resume']);
    expect(flow.isPaused).toBe(false);
  });

  it('never goes negative on over-acknowledgement and reset resumes', () => {
    const t = target();
    const flow = new FlowController(t);
    flow.acknowledged(10_000);
    expect(flow.unacknowledged).toBe(0);
    flow.sent(200_000);
    flow.reset();
    expect(t.log).toEqual(['pause', 'resume']);
    expect(flow.unacknowledged).toBe(0);
  });
});
