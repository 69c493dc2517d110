import type { Emit, ApprovalAnswer, ApprovalRequest, Approver } from './types';

/**
 * The approver behind the bridge: a request goes out as a
 * `chat.approvalRequest` event and waits for `chat.approve` with its id.
 * Ids are single-use; an answer to an unknown, answered or expired id is
 * refused, so a UI can never approve something it was not asked.
 */
export class PendingApprovals implements Approver {
  private readonly pending = new Map<string, (a: ApprovalAnswer) => void>();

  constructor(private readonly emit: Emit) {}

  approve(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    return new Promise<ApprovalAnswer>((resolve) => {
      const settle = (a: ApprovalAnswer) => {
        this.pending.delete(request.requestId);
        signal.removeEventListener('abort', onAbort);
        resolve(a);
      };
      const onAbort = () => settle('denied');
      this.pending.set(request.requestId, settle);
      signal.addEventListener('abort', onAbort, { once: true });
      this.emit('chat.approvalRequest', {
        requestId: request.requestId,
        turnId: request.turnId,
        command: request.command,
        cwd: request.cwd,
        decision: request.decision,
        rule: request.rule,
        reasons: request.reasons,
        timeoutMs: request.timeoutMs,
      });
      if (signal.aborted) onAbort();
    });
  }

  /** False when the id is not (or no longer) waiting for an answer. */
  answer(requestId: string, approved: boolean): boolean {
    const settle = this.pending.get(requestId);
    if (!settle) return false;
    settle(approved ? 'approved' : 'denied');
    return true;
  }

  get size(): number {
    return this.pending.size;
  }
}
