/** The approval step's parts: the bridge's pending questions and the timeout that makes silence a no. */
import { describe, expect, it } from 'vitest';
import { askWithTimeout } from '../../src/core/gate/approval';
import { PendingApprovals } from '../../src/core/gate/pending-approvals';
import type { ApprovalRequest } from '../../src/core/gate';

describe('approvals', () => {
  const req = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
    requestId: 'R1',
    callId: 'c1',
    turnId: null,
    command: 'rm -rf build',
    cwd: '/tmp',
    decision: 'require_approval',
    rule: null,
    reasons: [],
    timeoutMs: 5000,
    ...over,
  });

  it('bridge approvals are single-use and unknown ids are refused', async () => {
    const emitted: unknown[] = [];
    const pa = new PendingApprovals((name, payload) => emitted.push({ name, payload }));
    const answer = pa.approve(req(), new AbortController().signal);
    expect(emitted).toHaveLength(1);
    expect(pa.answer('R2', true)).toBe(false);
    expect(pa.answer('R1', true)).toBe(true);
    expect(await answer).toBe('approved');
    expect(pa.answer('R1', true)).toBe(false);
  });

  it('silence means no, and the host is told the question is over', async () => {
    let hostSignal: AbortSignal | undefined;
    const never = { approve: (_r: ApprovalRequest, s: AbortSignal) => ((hostSignal = s), new Promise<'approved'>(() => undefined)) };
    const r = await askWithTimeout(never, req({ timeoutMs: 30 }), new AbortController().signal);
    expect(r).toEqual({ answer: 'denied', timedOut: true });
    expect(hostSignal?.aborted).toBe(true);
  });

  it('a cancelled turn denies at once; an approver that throws denies', async () => {
    const ac = new AbortController();
    const pending = askWithTimeout({ approve: () => new Promise<'approved'>(() => undefined) }, req(), ac.signal);
    ac.abort();
    expect(await pending).toEqual({ answer: 'denied', timedOut: false });
    expect(await askWithTimeout({ approve: () => Promise.reject(new Error('boom')) }, req(), new AbortController().signal)).toEqual({
      answer: 'denied',
      timedOut: false,
    });
  });
});
