/**
 * What the chat's commands carry across the bridge: the ids the core mints,
 * the policy's decision, approval requests, and the live events and stored
 * records a command card is drawn from.
 */
import { z } from 'zod';
import { PreviewSchema } from './preview';

/** Chat: one conversation with the AI, driven by any UI. Ids are minted by the core. */
export const ChatIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'not a chat id');
/** The permission policy's decision on a command or tool call. */
export const chatDecision = z.enum(['auto_allow', 'notify', 'require_approval', 'deny']);

/** A command as the policy judged it: what approval requests and command cards show. */
const JudgedCommandSchema = z.object({
  turnId: ChatIdSchema.nullable(),
  command: z.string(),
  cwd: z.string(),
  decision: chatDecision,
  rule: z.string().nullable(),
  reasons: z.array(z.string()),
  /** What the AI said it wants this for (run_command's `reason`); absent for a command the person typed. */
  why: z.string().optional(),
});

/** Who settled a command: the rules alone, the person's answer, or the approval timeout. */
export const DecidedBySchema = z.enum(['rules', 'you', 'timeout']);

/** An MCP or built-in tool call: `server__tool` as the model calls it, split, with its arguments as pretty JSON (capped). */
export const ToolCallDisplaySchema = z.object({ server: z.string(), tool: z.string(), arguments: z.string() });
export type ToolCallDisplay = z.infer<typeof ToolCallDisplaySchema>;

/**
 * A command or tool call waiting for the person's yes or no (browser host;
 * Electron asks natively). For a tool call `tool` is set and `command` is a
 * one-line summary (`mcp__fs__write_file {"path":…}`).
 */
export const ApprovalRequestSchema = JudgedCommandSchema.extend({
  requestId: ChatIdSchema,
  callId: z.string(),
  timeoutMs: z.number().int(),
  tool: ToolCallDisplaySchema.optional(),
  /** What the command would change, seen in a throwaway overlay before anyone answers. */
  preview: PreviewSchema.optional(),
  /** "Always allow": the narrow rule an approval with `remember` writes, and the file it goes to. */
  remember: z.object({ list: z.literal('auto_allow'), pattern: z.string(), file: z.string() }).optional(),
  /** A preview is still running: it follows as `chat.approvalPreview`; the person may answer before it does. */
  previewPending: z.boolean().optional(),
  /** The person chose Edit in Electron's native dialog: the page offers only an edit of the command (judged again), never an approval. */
  editOnly: z.boolean().optional(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** Every command, once the policy has judged it and before it runs (or is refused). */
export const CommandStartSchema = JudgedCommandSchema.extend({
  callId: z.string(),
  /** For auto-allowed commands: whether they run in the sandbox, in words for the card. */
  sandbox: z.object({ confined: z.boolean(), detail: z.string() }).optional(),
});

export const OutputStreamSchema = z.enum(['stdout', 'stderr']);

export const CommandDoneSchema = z.object({
  callId: z.string(),
  command: z.string(),
  decision: chatDecision,
  ran: z.boolean(),
  /** Why it did not run, in words: 'denied by the permission policy', 'declined by the person', … */
  refusal: z.string().nullable(),
  /** The same as a code, for UIs: null when it ran. `failed`: it could not be started. */
  refusalKind: z.enum(['denied', 'declined', 'timeout', 'cancelled', 'failed']).nullable(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  durationMs: z.number(),
  timedOut: z.boolean(),
  cancelled: z.boolean(),
  decidedBy: DecidedBySchema.optional(),
  /** Ran confined because no rule names it, and the jail seems to have stopped it (a write outside, the network): the card offers to run it again unconfined, which asks. */
  jailFailure: z.string().optional(),
  /** It ran as a transaction whose effects landed: its undo record (null when it changed no files) and what it did. */
  undo: z.object({ recordId: z.string().nullable(), summary: z.string() }).optional(),
  /** It ran as a transaction whose effects did not land (a conflict, a declined effect, a timeout), and why. */
  notApplied: z.string().optional(),
  /** It acts outside the filesystem, so it ran outside transactions: why it cannot be undone. */
  cannotUndo: z.array(z.string()).optional(),
});

/**
 * What the core recorded of one command (aios_command_history), keyed by the
 * call id: the same facts its live events carried, so a restored card is the
 * live card. `output` is bounded (head and tail); `omittedChars` says how much
 * of the middle was not kept.
 */
export const CommandRecordSchema = z.object({
  callId: z.string(),
  start: CommandStartSchema,
  output: z.array(z.object({ stream: OutputStreamSchema, data: z.string() })),
  omittedChars: z.number().int().nonnegative(),
  done: CommandDoneSchema,
});
export type CommandRecord = z.infer<typeof CommandRecordSchema>;

/** A command the person typed (`!cmd`): how the policy judged it and what it printed. */
export const ChatCommandResultSchema = z.object({
  command: z.string(),
  decision: chatDecision,
  rule: z.string().nullable(),
  ran: z.boolean(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  output: z.string(),
});
