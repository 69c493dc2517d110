import type { BrowserWindow, Dialog, MessageBoxOptions } from 'electron';
import { previewText, type Preview } from '../../shared/preview';
import type { ApprovalAnswer, ApprovalRequest, Approver } from '../../core/gate';
import type { Logger } from '../../core/log';
import { approvalWording } from '../../shared/approval-wording';
import { showMessageBoxOn } from './message-box';
import { visibleText } from '../../shared/visible-text';

/** The native box shows text only, but a bidi override or a control character would still reorder or hide it. */
const ONE_LINE = { tabs: false, newlines: false } as const;

export interface NativeApproverDeps {
  dialog: Pick<Dialog, 'showMessageBox'>;
  /** The window the question is modal to; without one the box stands alone. */
  parent: () => BrowserWindow | undefined;
  logger: Logger;
}

/** Said while the preview of the question still runs (the same words in every host). */
export const PREPARING_PREVIEW = 'Preview: preparing the preview…';

/** Button order: Deny first, so it is the default and what Esc (cancelId) picks. */
export const DENY_BUTTON = 0;
export const RUN_BUTTON = 1;
/** Shown only when the question offers a rule to remember. */
export const ALWAYS_BUTTON = 2;
/** A command's last button: the box cannot take text, so the page asks for the edited command (judged again). */
export const EDIT_LABEL = 'Edit…';

/** The message box for one request; exported for tests of its wording. */
/** A native box cannot scroll: the arguments are cut to this many lines and characters. */
export const DIALOG_ARGUMENT_LINES = 30;
const DIALOG_ARGUMENT_CHARS = 3000;

function clipArguments(pretty: string): string {
  const lines = pretty.split('\n');
  let text = lines.slice(0, DIALOG_ARGUMENT_LINES).join('\n');
  if (text.length > DIALOG_ARGUMENT_CHARS) text = `${text.slice(0, DIALOG_ARGUMENT_CHARS)}…`;
  const more = pretty.length - text.length;
  return more > 0 ? `${text}\n… (${more} more characters not shown)` : text;
}

function toolBoxOptions(request: ApprovalRequest, tool: NonNullable<ApprovalRequest['tool']>, signal: AbortSignal): MessageBoxOptions {
  const seconds = Math.round(request.timeoutMs / 1000);
  const words = approvalWording({ ...request, tool });
  const lines = [
    `aios asks because ${visibleText(words.because.join('; '), ONE_LINE)}.`,
    '',
    `Server: ${visibleText(tool.server, ONE_LINE)}`,
    `Tool: ${visibleText(tool.tool, ONE_LINE)}`,
    'Arguments:',
    clipArguments(visibleText(tool.arguments)),
    '',
    ...(request.why ? [`The AI says why: ${visibleText(request.why)}`, ''] : []),
    `Denied automatically after ${seconds} s without an answer.`,
    '',
    'Details:',
    ...words.details.map((d) => `  ${d}`),
  ];
  return {
    type: 'warning',
    title: 'aios: approve tool call',
    message: `${visibleText(words.headline, ONE_LINE)} Allow it?`,
    detail: lines.join('\n'),
    buttons: ['Deny', 'Allow'],
    defaultId: DENY_BUTTON,
    cancelId: DENY_BUTTON,
    noLink: true,
    normalizeAccessKeys: false,
    signal,
  };
}

export function approvalBoxOptions(request: ApprovalRequest, signal: AbortSignal): MessageBoxOptions {
  if (request.tool) return toolBoxOptions(request, request.tool, signal);
  const seconds = Math.round(request.timeoutMs / 1000);
  const words = approvalWording(request);
  // What it will do and why aios asks first; the rule and the engine's reasons last, under "Details".
  const lines = [
    visibleText(request.command),
    '',
    `aios asks because ${visibleText(words.because.join('; '), ONE_LINE)}.`,
    '',
    ...(request.why ? [`The AI says why: ${visibleText(request.why)}`, ''] : []),
    `Directory: ${visibleText(request.cwd, ONE_LINE)}`,
    ...(request.preview
      ? ['', 'Preview (run in a throwaway copy; nothing was changed):', previewText(request.preview, { full: true, maxList: 20 })]
      : []),
    ...(!request.preview && request.previewPending ? ['', `${PREPARING_PREVIEW} It appears here when ready; you may answer now.`] : []),
    '',
    `Denied automatically after ${seconds} s without an answer.`,
    ...(request.remember
      ? [
          '',
          `Always allow writes the rule ${JSON.stringify(request.remember.pattern)} into ${request.remember.file} ([permissions] ${request.remember.list}); /permissions lists and removes it.`,
        ]
      : []),
    '',
    `${EDIT_LABEL} opens the command for editing in the aios window; the edited command is judged again (and asked about here again if it must be).`,
    '',
    'Details:',
    ...words.details.map((d) => `  ${d}`),
  ];
  return {
    type: 'warning',
    title: 'aios: approve command',
    message: `${words.headline} Run it?`,
    detail: lines.join('\n'),
    buttons: [...(request.remember ? ['Deny', 'Run', `Always allow ${request.remember.pattern}`] : ['Deny', 'Run']), EDIT_LABEL],
    defaultId: DENY_BUTTON,
    cancelId: DENY_BUTTON,
    noLink: true,
    normalizeAccessKeys: false,
    signal,
  };
}

/**
 * Approvals in Electron: a native dialog shown by the main process, so the
 * renderer (which runs model output as Markdown) has no say in what runs.
 * Deny is the default and the cancel button; when the turn is cancelled or
 * the approval timeout passes, the core aborts `signal`, the box closes and
 * the answer is "denied" whatever the box reports. One box at a time.
 */
export class NativeApprover implements Approver {
  private queue: Promise<unknown> = Promise.resolve();
  /** Open questions: when asked (the core's countdown runs from then), the preview once ready, and how to redraw the box. */
  private readonly open = new Map<string, { askedAt: number; preview?: Preview; redraw?: () => void }>();

  constructor(private readonly deps: NativeApproverDeps) {}

  approve(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    this.open.set(request.requestId, { askedAt: Date.now(), ...(request.preview ? { preview: request.preview } : {}) });
    const asked = this.queue.then(() => this.ask(request, signal)).finally(() => this.open.delete(request.requestId));
    this.queue = asked.catch(() => undefined);
    return asked;
  }

  /** A native box cannot change its text: the open box is closed and shown again with the preview. */
  previewReady(requestId: string, preview: Preview): void {
    const state = this.open.get(requestId);
    if (!state) return;
    state.preview = preview;
    state.redraw?.();
  }

  private async ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const state = this.open.get(request.requestId) ?? { askedAt: Date.now() };
    const aborted = new Promise<'aborted'>((resolve) => signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
    try {
      for (;;) {
        if (signal.aborted) return 'denied';
        const box = new AbortController();
        const closeBox = () => box.abort();
        signal.addEventListener('abort', closeBox, { once: true });
        const shownPreview = state.preview;
        const redrawn = new Promise<'redraw'>((resolve) => (state.redraw = () => resolve('redraw')));
        const left = Math.max(0, request.timeoutMs - (Date.now() - state.askedAt));
        const current: ApprovalRequest = { ...request, timeoutMs: left, ...(shownPreview ? { preview: shownPreview } : {}) };
        const options = approvalBoxOptions(current, box.signal);
        const shown = showMessageBoxOn(this.deps.dialog, this.deps.parent(), options);
        // The preview may have arrived while the box was being made.
        if (state.preview !== shownPreview) state.redraw?.();
        const outcome = await Promise.race([shown, aborted, redrawn]);
        signal.removeEventListener('abort', closeBox);
        if (outcome === 'redraw') {
          // The abort closes the box; its late answer, if any, is not the person's answer to the new one.
          box.abort();
          void shown.catch(() => undefined);
          continue;
        }
        if (outcome === 'aborted' || signal.aborted) {
          this.deps.logger.info(`approval ${request.requestId} ended without an answer (cancelled or timed out): ${request.command}`);
          return 'denied';
        }
        const answer: ApprovalAnswer =
          outcome.response === RUN_BUTTON
            ? 'approved'
            : outcome.response === ALWAYS_BUTTON && request.remember
              ? 'always'
              : !request.tool && options.buttons?.[outcome.response] === EDIT_LABEL
                ? 'edit'
                : 'denied';
        this.deps.logger.info(`approval ${request.requestId}: ${answer} by the person: ${request.command}`);
        return answer;
      }
    } catch (err) {
      this.deps.logger.error(`the approval dialog failed; denying ${request.command}`, err);
      return 'denied';
    } finally {
      state.redraw = undefined;
    }
  }
}
