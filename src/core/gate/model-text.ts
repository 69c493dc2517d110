import { previewText } from '../../shared/preview';
import type { CommandOutcome, ToolOutcome } from './action';

/**
 * The text the model gets back for an action: the one place it is worded,
 * for commands and tool calls alike. A refusal says plainly that nothing ran
 * and what to do; a result says enough to explain, never more than the cap.
 */

function refusalAdvice(decision: string, what: 'command' | 'tool call'): string {
  const done = what === 'command' ? 'run' : 'made';
  return decision === 'deny'
    ? `The permission policy forbids this ${what}; it was NOT ${done}. Do not try it again or work around it; tell the person.`
    : `The ${what} was NOT ${done}. Tell the person; do not retry unless they ask.`;
}

/** Arguments the model must send again: said the same way before the gate (unreadable) and after (the tool refused them). */
export function badArgumentsText(name: string, message: string): string {
  return JSON.stringify({ success: false, error: `${name}: ${message}. Call it again with arguments that match its JSON schema.` });
}

/** What the model learns about a command. */
export function commandResultForModel(o: Omit<CommandOutcome, 'kind'>): string {
  if (!o.ran && !o.result) {
    return JSON.stringify({
      ran: false,
      decision: o.decision,
      refused: o.refusal,
      rule: o.rule,
      reasons: o.reasons,
      message: refusalAdvice(o.decision, 'command'),
      ...previewForModel(o),
    });
  }
  const r = o.result;
  return JSON.stringify({
    ran: o.ran,
    decision: o.decision,
    // The rule and duration also let a restored command card show them.
    rule: o.rule,
    exit_code: r?.exitCode ?? null,
    duration_ms: r?.durationMs ?? null,
    signal: r?.signal ?? null,
    timed_out: r?.timedOut ?? false,
    cancelled: r?.cancelled ?? false,
    ...(o.refusal ? { error: o.refusal } : {}),
    output: r?.output ?? '',
    ...previewForModel(o),
    ...(o.confinedUnknown
      ? {
          confined: o.confinedUnknown.jailFailure
            ? `No rule covers this command, so it ran in the jail (read-only except the working tree) and it looks like the jail stopped it: ${o.confinedUnknown.jailFailure}. If it needs that, call run_command again with unconfined: true; the person will be asked.`
            : 'No rule covers this command, so it ran in the jail (read-only except the working tree).',
        }
      : {}),
  });
}

/** What the model learns about a tool call; `badArgs` when the tool refused its arguments (the model should correct them). */
export function toolResultForModel(o: ToolOutcome): { text: string; badArgs: boolean } {
  if (o.result?.ok) return { text: o.result.value, badArgs: false };
  if (o.result) return { text: badArgumentsText(o.name, o.result.message), badArgs: true };
  const text = JSON.stringify({
    success: false,
    ran: false,
    decision: o.decision,
    refused: o.refusal,
    rule: o.rule,
    reasons: o.reasons,
    message: refusalAdvice(o.decision, 'tool call'),
  });
  return { text, badArgs: false };
}

/** The model sees the same preview summary the person saw. */
function previewForModel(o: Pick<CommandOutcome, 'preview'>): { preview?: string } {
  return o.preview ? { preview: previewText(o.preview, { full: true, maxList: 30 }) } : {};
}
