import type { EventPayload } from '../../shared/contract';

/**
 * The `[aios] >` prompt's answers to an approval: y runs it, a (when a rule
 * is offered) remembers it, e (for a command) opens it for editing first,
 * anything else is no. An edited command is judged again by the core.
 */
export type ApprovalReply = 'yes' | 'no' | 'always' | 'edit';

type Asked = Pick<EventPayload<'chat.approvalRequest'>, 'tool' | 'remember'>;

export function readApprovalReply(raw: string, asked: Asked): ApprovalReply {
  const text = raw.trim().toLowerCase();
  if (text === 'y' || text === 'yes') return 'yes';
  if (asked.remember && (text === 'a' || text === 'always')) return 'always';
  if (!asked.tool && (text === 'e' || text === 'edit')) return 'edit';
  return 'no';
}

/** The line under a command's question that offers the edit (the prompt itself stays `Run it? [y/N]`). */
export const EDIT_OFFER = '  e = edit it first (the edited command is judged again)';

/** Said when the edit line opens: what Enter and Ctrl-C do there. */
export const EDIT_HINT = '  edit the command: Enter runs the edited one (aios judges it again, and asks if it must); Ctrl-C runs nothing';
export const EDIT_PROMPT = 'edit> ';

/** Said under a card the quiet jail stopped, and what `/unconfined` does. */
export function jailStoppedHint(jailFailure: string): string {
  return `  the jail seems to have stopped it (${jailFailure}): /unconfined runs it again outside the jail, after you approve`;
}
