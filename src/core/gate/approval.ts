import type { ApprovalAnswer, ApprovalRequest, Approver } from './types';

/**
 * Asks the approver, and answers "denied" when no answer comes within the
 * timeout or the turn is cancelled: silence never runs a command.
 */
export async function askWithTimeout(
  approver: Approver,
  request: ApprovalRequest,
  signal: AbortSignal,
): Promise<{ answer: ApprovalAnswer; timedOut: boolean }> {
  if (signal.aborted) return { answer: 'denied', timedOut: false };
  const local = new AbortController();
  const onAbort = () => local.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<ApprovalAnswer>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        local.abort();
        resolve('denied');
      }, request.timeoutMs);
      local.signal.addEventListener('abort', () => resolve('denied'), { once: true });
    });
    const answer = await Promise.race([approver.approve(request, local.signal).catch((): ApprovalAnswer => 'denied'), late]);
    return { answer: local.signal.aborted ? 'denied' : answer, timedOut };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    // Tell the host the question is over, whichever way it ended.
    local.abort();
  }
}
