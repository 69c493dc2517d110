import type { Preview } from '../../shared/preview';
import type { Emit, ApprovalAnswer, ApprovalRequest, Approver } from './types';

/**
 * The approver behind the bridge: a request goes out as a
 * `chat.approvalRequest` event and waits for `chat.approve` with its id.
 * Ids are single-use; an answer to an unknown, answered or expired id is
 * refused, so a UI can never approve something it was not asked.
 */
export class PendingApprovals implements Approver {
  private readonly pending = new Map<string, { request: ApprovalRequest; askedAt: number; settle: (a: ApprovalAnswer) => void }>();

  constructor(private readonly emit: Emit) {}

  approve(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    return new Promise<ApprovalAnswer>((resolve) => {
      const settle = (a: ApprovalAnswer) => {
        this.pending.delete(request.requestId);
        signal.removeEventListener('abort', onAbort);
        resolve(a);
      };
      const onAbort = () => settle('denied');
      this.pending.set(request.requestId, { request, askedAt: Date.now(), settle });
      signal.addEventListener('abort', onAbort, { once: true });
      this.emit('chat.approvalRequest', {
        requestId: request.requestId,
        callId: request.callId,
        turnId: request.turnId,
        command: request.command,
        cwd: request.cwd,
        decision: request.decision,
        rule: request.rule,
        reasons: request.reasons,
        ...(request.why ? { why: request.why } : {}),
        timeoutMs: request.timeoutMs,
        ...(request.tool ? { tool: request.tool } : {}),
        ...(request.preview ? { preview: request.preview } : {}),
        ...(request.remember ? { remember: request.remember } : {}),
        ...(request.previewPending ? { previewPending: true } : {}),
        ...(request.editOnly ? { editOnly: true } : {}),
      });
      if (signal.aborted) onAbort();
    });
  }

  /** The request still waiting with this id. */
  waiting(requestId: string): ApprovalRequest | undefined {
    return this.pending.get(requestId)?.request;
  }

  previewReady(requestId: string, preview: Preview): void {
    const waiting = this.pending.get(requestId);
    if (!waiting) return;
    // A UI that connects later (a reload) gets the question with its preview from list().
    waiting.request = { ...waiting.request, preview, previewPending: false };
    this.emit('chat.approvalPreview', { requestId, preview });
  }

  /** False when the id is not (or no longer) waiting for an answer. */
  answer(requestId: string, approved: boolean, how: { remember?: boolean; edited?: string } = {}): boolean {
    const waiting = this.pending.get(requestId);
    if (!waiting) return false;
    const { remember = false, edited } = how;
    // An edit of a tool call's summary means nothing: only a command can be edited.
    if (approved && edited !== undefined && !waiting.request.tool && edited.trim() !== waiting.request.command)
      waiting.settle({ edited: edited.trim() });
    // A question that asked only for an edit approves nothing.
    else if (waiting.request.editOnly) waiting.settle('denied');
    // "Always allow" counts only for a question that offered a rule.
    else waiting.settle(approved ? (remember && waiting.request.remember ? 'always' : 'approved') : 'denied');
    return true;
  }

  /** The questions still open, oldest first; `timeoutMs` is what is left of each one's time. */
  list(): ApprovalRequest[] {
    const now = Date.now();
    return [...this.pending.values()].map((w) => ({ ...w.request, timeoutMs: Math.max(0, w.request.timeoutMs - (now - w.askedAt)) }));
  }

  get size(): number {
    return this.pending.size;
  }
}
