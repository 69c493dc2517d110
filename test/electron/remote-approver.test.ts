import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/core/gate';
import type { CoreToMain } from '../../src/shared/core-process';
import { RemoteApprover } from '../../src/hosts/core-host/remote-approver';

const request = (requestId: string): ApprovalRequest => ({
  requestId,
  callId: 'c1',
  turnId: null,
  command: 'touch x',
  cwd: '/tmp',
  decision: 'require_approval',
  rule: null,
  reasons: [],
  timeoutMs: 30_000,
});

describe('RemoteApprover (the core asks the main process)', () => {
  it('sends the question to main and takes its answer once', async () => {
    const sent: CoreToMain[] = [];
    const approver = new RemoteApprover((m) => sent.push(m));
    const answer = approver.approve(request('r1'), new AbortController().signal);
    expect(sent).toEqual([{ type: 'approval', request: request('r1') }]);
    approver.answer('other', true);
    approver.answer('r1', true);
    approver.answer('r1', false);
    expect(await answer).toBe('approved');
  });

  it('a cancelled or timed-out question is denied and main is told to close its dialog', async () => {
    const sent: CoreToMain[] = [];
    const approver = new RemoteApprover((m) => sent.push(m));
    const controller = new AbortController();
    const answer = approver.approve(request('r2'), controller.signal);
    controller.abort();
    expect(await answer).toBe('denied');
    expect(sent.at(-1)).toEqual({ type: 'approval-cancel', requestId: 'r2' });
    // A late "yes" from main changes nothing.
    approver.answer('r2', true);
    expect(await answer).toBe('denied');
  });

  it('an already aborted question is denied without asking', async () => {
    const sent: CoreToMain[] = [];
    const controller = new AbortController();
    controller.abort();
    expect(await new RemoteApprover((m) => sent.push(m)).approve(request('r3'), controller.signal)).toBe('denied');
    expect(sent).toEqual([]);
  });
});
