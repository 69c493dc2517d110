import type { ApprovalAnswer, ApprovalRequest, Approver } from '../../core/gate';
import type { CoreToMain } from '../../shared/core-process';
import type { Preview } from '../../shared/preview';

/**
 * Approvals from the core's utility process: the question goes to the main
 * process, which shows its native dialog and sends the answer back. The
 * renderer is not on this path. When the turn is cancelled or the time runs
 * out, main is told to take the dialog away and the answer is "denied".
 */
export class RemoteApprover implements Approver {
  private readonly waiting = new Map<string, (answer: ApprovalAnswer) => void>();

  constructor(private readonly send: (message: CoreToMain) => void) {}

  approve(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    if (signal.aborted) return Promise.resolve('denied');
    return new Promise<ApprovalAnswer>((resolve) => {
      const settle = (answer: ApprovalAnswer) => {
        if (!this.waiting.delete(request.requestId)) return;
        signal.removeEventListener('abort', onAbort);
        resolve(answer);
      };
      const onAbort = () => {
        settle('denied');
        this.send({ type: 'approval-cancel', requestId: request.requestId });
      };
      this.waiting.set(request.requestId, settle);
      signal.addEventListener('abort', onAbort, { once: true });
      this.send({ type: 'approval', request: { ...request } });
    });
  }

  previewReady(requestId: string, preview: Preview): void {
    if (this.waiting.has(requestId)) this.send({ type: 'approval-preview', requestId, preview });
  }

  /** Main's answer; an unknown or already settled id is ignored (each id counts once). */
  answer(requestId: string, approved: boolean, remember = false, edit = false): void {
    this.waiting.get(requestId)?.(edit ? 'edit' : approved ? (remember ? 'always' : 'approved') : 'denied');
  }
}
