import type { EventPayload } from '../../../shared/contract';
import type { StreamText } from './stream-text';

export type Decision = EventPayload<'chat.commandStart'>['decision'];
export type MessageRole = 'user' | 'assistant' | 'notice' | 'error' | 'system';

export interface MessageRow {
  kind: 'message';
  id: string;
  role: MessageRole;
  text: string;
  /** The streamed answer as pieces: what the page reads while it grows (see stream-text.ts). */
  stream?: StreamText;
  /** An assistant answer still arriving. */
  streaming: boolean;
  turnId: string | null;
  level?: 'info' | 'warning';
  /** Restored folded: `text` is the head (before `at`) and the tail; chat.message has the whole. */
  folded?: { seq: number; at: number; omittedChars: number };
  /** A question whose answer failed (the banner said why; after a restart, the stored conversation shows it). */
  failed?: boolean;
}

/** What the card shows: the contract's `data-state`. */
export type CommandState = 'waiting' | 'running' | 'done' | 'refused' | 'cancelled' | 'timeout';

export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  data: string;
}

export interface CommandRow {
  kind: 'command';
  id: string;
  /** The core's callId, so every later event finds its card. */
  callId: string;
  turnId: string | null;
  command: string;
  cwd: string | null;
  decision: Decision | null;
  rule: string | null;
  reasons: string[];
  /** For auto-allowed commands: whether they ran in the sandbox, in words. */
  sandbox?: { confined: boolean; detail: string };
  /** What the AI said it wants the command for. */
  why?: string;
  /** Who settled it once it is over: the rules, the person, or the approval timeout. */
  decidedBy?: 'rules' | 'you' | 'timeout';
  /** It ran as a transaction: what landed and its undo record; or why nothing landed; or why it cannot be undone. */
  undo?: { recordId: string | null; summary: string };
  notApplied?: string;
  cannotUndo?: string[];
  state: CommandState;
  output: OutputChunk[];
  /** Characters dropped from the front to keep the page light; the model and history keep their own copy. */
  droppedChars: number;
  exitCode: number | null;
  signal: string | null;
  durationMs: number | null;
  refusal: string | null;
  /** Ran confined (no rule names it) and the jail seems to have stopped it: it may run again unconfined, which asks. */
  jailFailure?: string;
  /** Rebuilt from the stored conversation (its live output beyond what the model was given is not kept). */
  restored: boolean;
}

/** A tool other than run_command (memory, history, MCP): one line, like the TTY's `→ name args`. */
export interface ToolRow {
  kind: 'tool';
  id: string;
  /** The core's callId, so chat.toolDone finds its row (absent for restored rows). */
  callId?: string;
  turnId: string | null;
  name: string;
  arguments: string;
  /** Server, tool and pretty arguments, when the policy judged the call (every live call but a malformed one). */
  tool?: EventPayload<'chat.toolCall'>['tool'];
  decision?: Decision;
  rule?: string | null;
  reasons?: string[];
  /** `waiting` for approval, `done`, or refused (`denied`, `declined`, …). */
  state?: 'pending' | 'done' | 'refused';
  refusal?: string | null;
}

/** The model's reasoning for one answer: a collapsed "Thinking" disclosure, never part of the answer. */
export interface ReasoningRow {
  kind: 'reasoning';
  id: string;
  turnId: string | null;
  text: string;
  /** Still arriving. */
  streaming: boolean;
}

export type Row = MessageRow | CommandRow | ToolRow | ReasoningRow;

export type ApprovalRequest = EventPayload<'chat.approvalRequest'> & {
  /** Local clock when it arrived, for the countdown. */
  receivedAt: number;
};

export interface ErrorBannerItem {
  id: string;
  kind: string;
  message: string;
}

export interface ChatData {
  rows: Row[];
  /** Rows before this index are hidden by Ctrl+L (they stay in the conversation). */
  viewStart: number;
  /** The assistant row receiving chat.delta, if any. */
  streamingId: string | null;
  /** The running turn (or direct command): for busy, Stop and Esc. */
  /** `elsewhere`: not started here (another window, the TTY, a reload mid-turn); the pushed status ends it. */
  busy: { turnId: string | null; since: number; direct: boolean; elsewhere?: boolean } | null;
  approvals: ApprovalRequest[];
  errors: ErrorBannerItem[];
  /** Monotonic counter for row ids minted by the UI. */
  seq: number;
}

export const emptyChat: ChatData = {
  rows: [],
  viewStart: 0,
  streamingId: null,
  busy: null,
  approvals: [],
  errors: [],
  seq: 0,
};
