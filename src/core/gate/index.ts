/**
 * The gate: every action of the AI (a command line or a tool call) and the
 * person's `!cmd` pass policy → (preview) → approval → jail → run → record here.
 */
export type { Action, ActionOutcome, CommandAction, CommandOutcome, ToolAction, ToolOutcome, ToolResult } from './action';
export { Gate, type GateOptions } from './gate';
export { askWithTimeout } from './approval';
export { PendingApprovals } from './pending-approvals';
export { commandRecordsFor } from './command-records';
export { badArgumentsText, commandResultForModel, toolResultForModel } from './model-text';
export { quietJail, type QuietJail } from './quiet-jail';
export { SHUTDOWN, INTERRUPTED_BY_SHUTDOWN } from './run';
export type { ApprovalAnswer, ApprovalRequest, Approver, CommandPolicy, Emit, ToolCallDisplay } from './types';
