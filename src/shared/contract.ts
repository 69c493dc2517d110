/**
 * The bridge contract: every call between a UI and the core, and every event
 * the core streams to a UI. Preload, Electron IPC, the WebSocket host and the
 * renderer all derive their names and validation from this one table.
 */
import { z } from 'zod';
import { AppInfoSchema, AppStatusSchema, ApiKeyEnvSchema, baseUrlField, ProviderProbeSchema, SetupStateSchema } from './app-schemas';
import { ChatStateSchema, MAX_ATTACHMENT_TEXT, MAX_CHAT_TEXT } from './chat-schemas';
import {
  ApprovalRequestSchema,
  ChatCommandResultSchema,
  ChatIdSchema,
  chatDecision,
  CommandDoneSchema,
  CommandStartSchema,
  OutputStreamSchema,
  ToolCallDisplaySchema,
} from './command-schemas';
import { PreviewSchema } from './preview';

// The payload schemas live in their own modules by subject; the contract re-exports them so UIs and hosts import one place.
export * from './app-schemas';
export * from './chat-schemas';
export * from './command-schemas';

/** A call is a request schema and a response schema, validated both ways. */
export interface CallSpec<Req extends z.ZodType, Res extends z.ZodType> {
  request: Req;
  response: Res;
}
function call<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res): CallSpec<Req, Res> {
  return { request, response };
}

/** Terminal session ids are minted by the core; a UI only echoes them back. */
export const TerminalIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a terminal id');

const cols = z.number().int().min(2).max(1000);
const rows = z.number().int().min(1).max(500);

/** One keystroke burst or paste; larger pastes are split by the UI. */
export const MAX_TERMINAL_WRITE = 64 * 1024;

export const TerminalSessionSchema = z.object({
  id: TerminalIdSchema,
  shell: z.string(),
  pid: z.number().int(),
  /** Recent output of an existing session, so a new view shows its scrollback. */
  replay: z.string(),
  /** True when `open` attached to a session that was already running. */
  attached: z.boolean(),
  /** Something the person must know about this open, e.g. that the shell cap ended an unseen shell. */
  notice: z.string().optional(),
});
export type TerminalSession = z.infer<typeof TerminalSessionSchema>;

const listRequest = z.strictObject({
  /** Words to look for; absent lists the newest. */
  query: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(200).optional(),
});

/** `/memory` in a UI: memories from the memory file. */
export const MemoryListSchema = z.object({
  problem: z.string().nullable(),
  items: z.array(z.object({ id: z.string(), content: z.string(), createdAt: z.string() })),
});

/** `/undo`, `/redo` and a card's Undo: what was restored, or why not. */
export const UndoResultSchema = z.object({
  ok: z.boolean(),
  message: z.string(),
  /** The record the undo made (an undo is itself undoable: a redo). */
  recordId: z.string().nullable(),
  /** Refused because later commands changed the same files: undo these, newest first (the asked one last). */
  undoFirst: z.array(z.object({ recordId: z.string(), command: z.string() })),
});
export type UndoResult = z.infer<typeof UndoResultSchema>;

/** `/history` in a UI: commands that ran (or were refused), newest first. */
export const CommandLogListSchema = z.object({
  problem: z.string().nullable(),
  items: z.array(
    z.object({
      command: z.string(),
      decision: z.string(),
      exitCode: z.number().int().nullable(),
      durationMs: z.number().nullable(),
      startedAt: z.string(),
      cwd: z.string().nullable(),
      /** `user` when the person approved it, `auto`/`notify` when the rules let it run. */
      approver: z.string().nullable().optional(),
      rule: z.string().nullable().optional(),
      signal: z.string().nullable().optional(),
      /** The call id of the chat card (and of its record in chat.state); null for rows written before records. */
      callId: z.string().nullable().optional(),
      conversationId: z.string().nullable().optional(),
      /** `interrupted`: aios stopped (crash, kill) while it ran; `running`: it still runs (another aios, or this one). */
      state: z.enum(['running', 'done', 'interrupted']).optional(),
    }),
  ),
});

export const RuleListSchema = z.enum(['auto_allow', 'notify', 'require_approval', 'deny']);
export const PersonRulesSchema = z.object({ file: z.string(), rules: z.array(z.object({ list: RuleListSchema, pattern: z.string() })) });
export type PersonRules = z.infer<typeof PersonRulesSchema>;

export const calls = {
  'app.info': call(z.strictObject({}), AppInfoSchema),
  'app.status': call(z.strictObject({}), AppStatusSchema),
  'memory.list': call(listRequest, MemoryListSchema),
  'commandLog.list': call(listRequest, CommandLogListSchema),
  /** Undo a command's transaction (the newest when no id), or redo the newest undo. */
  'undo.run': call(z.strictObject({ recordId: z.string().max(40).optional(), redo: z.boolean().optional() }), UndoResultSchema),
  'terminal.open': call(z.strictObject({ cols, rows, attach: z.boolean().optional() }), TerminalSessionSchema),
  'terminal.write': call(z.strictObject({ id: TerminalIdSchema, data: z.string().max(MAX_TERMINAL_WRITE) }), z.null()),
  'terminal.resize': call(z.strictObject({ id: TerminalIdSchema, cols, rows }), z.null()),
  /** The UI acknowledges characters it has rendered; the core resumes a paused shell. */
  'terminal.ack': call(z.strictObject({ id: TerminalIdSchema, chars: z.number().int().min(0).max(100_000_000) }), z.null()),
  'terminal.close': call(z.strictObject({ id: TerminalIdSchema }), z.null()),
  /** Starts a turn; its progress arrives as chat.* events ending in chat.turnDone. */
  'chat.send': call(z.strictObject({ text: z.string().min(1).max(MAX_CHAT_TEXT) }), z.object({ turnId: ChatIdSchema })),
  /** Stops the running turn: the model stream and any running command. */
  'chat.cancel': call(z.strictObject({}), z.object({ cancelled: z.boolean() })),
  /** The conversation as restored from the memory file, and the provider state. */
  'chat.state': call(z.strictObject({}), ChatStateSchema),
  /** The whole text of one stored message that chat.state restored folded ("show all"). */
  'chat.message': call(
    z.strictObject({ conversationId: z.string().min(1).max(100), seq: z.number().int().nonnegative() }),
    z.object({ text: z.string() }),
  ),
  /** Answers one chat.approvalRequest; each request id is valid once. */
  /** `remember`: "always allow" (write the offered rule). `command`: the person edited the command before approving; the edited one is judged again by the policy. */
  'chat.approve': call(
    z.strictObject({
      requestId: ChatIdSchema,
      approved: z.boolean(),
      remember: z.boolean().optional(),
      command: z.string().min(1).max(MAX_CHAT_TEXT).optional(),
    }),
    z.null(),
  ),
  /** The person's own rules (their config.toml, not the shipped floor). */
  'permissions.list': call(z.strictObject({}), PersonRulesSchema),
  /** Removes one of the person's rules; the policy is built again at once. */
  'permissions.remove': call(z.strictObject({ list: RuleListSchema, pattern: z.string().min(1) }), PersonRulesSchema),
  /** Runs a command the person typed (`!cmd`) through the same policy, approvals and history. `unconfined`: again outside the quiet jail that stopped it (it is then asked about). */
  'chat.run': call(
    z.strictObject({ command: z.string().min(1).max(MAX_CHAT_TEXT), unconfined: z.boolean().optional() }),
    ChatCommandResultSchema,
  ),
  /** Saves text too long for a message as a file (0600, in the data dir) and says where, for the message to point at. */
  'chat.attach': call(
    z.strictObject({ text: z.string().min(1).max(MAX_ATTACHMENT_TEXT) }),
    z.object({ path: z.string(), lines: z.number().int(), bytes: z.number().int() }),
  ),
  /** Starts a new, empty conversation (the old one stays in the memory file). */
  'chat.clear': call(z.strictObject({}), z.null()),
  /** The first-run form: config file, [ai] settings, a local Ollama. */
  'setup.state': call(z.strictObject({}), SetupStateSchema),
  /** "Test connection": lists the server's models, or says why it cannot. */
  'setup.testProvider': call(z.strictObject({ baseUrl: baseUrlField.optional(), apiKeyEnv: ApiKeyEnvSchema }), ProviderProbeSchema),
  /** Writes [ai] into config.toml (comments and other sections kept) and switches the chat to it. */
  'setup.saveProvider': call(
    z.strictObject({ baseUrl: baseUrlField.optional(), model: z.string().trim().min(1).max(300), apiKeyEnv: ApiKeyEnvSchema }),
    z.object({ file: z.string(), provider: z.string().nullable(), problem: z.string().nullable() }),
  ),
} as const;

export const events = {
  /** The status changed (a turn started or ended, the provider failed or recovered, memory, MCP, setup): the whole new status. */
  'app.statusChanged': AppStatusSchema,
  /** The shell's output as UTF-8 bytes, whole characters, secrets redacted (the WebSocket carries `data` as base64: wire.ts). */
  'terminal.data': z.object({ id: TerminalIdSchema, data: z.instanceof(Uint8Array) }),
  'terminal.exit': z.object({ id: TerminalIdSchema, exitCode: z.number().int(), signal: z.number().int().optional() }),
  /** A turn began with the person's text (typed in any window), so every window shows the question. */
  'chat.turnStart': z.object({ turnId: ChatIdSchema, text: z.string() }),
  'chat.delta': z.object({ turnId: ChatIdSchema, text: z.string() }),
  /** The model's reasoning as it streams (`<think>`, `reasoning`, `reasoning_content`): shown folded, never part of the answer. */
  'chat.reasoning': z.object({ turnId: ChatIdSchema, text: z.string() }),
  /** A tool other than run_command was called (run_command is announced by chat.commandStart alone), or a run_command with unusable arguments. */
  'chat.toolCall': z.object({
    turnId: ChatIdSchema,
    callId: z.string(),
    name: z.string(),
    arguments: z.string(),
    /** The policy's decision, for every tool (MCP and built-in); absent when the call was unusable. */
    decision: chatDecision.optional(),
    rule: z.string().nullable().optional(),
    reasons: z.array(z.string()).optional(),
    /** For tools other than run_command: server and tool (built-ins are server `aios`), arguments pretty-printed. */
    tool: ToolCallDisplaySchema.optional(),
  }),
  /** A tool other than run_command has run or was refused (deny, declined, timeout, cancelled). */
  'chat.toolDone': z.object({
    callId: z.string(),
    name: z.string(),
    decision: chatDecision,
    ran: z.boolean(),
    refusal: z.string().nullable(),
    refusalKind: z.enum(['denied', 'declined', 'timeout', 'cancelled', 'failed']).nullable(),
  }),
  'chat.approvalRequest': ApprovalRequestSchema,
  /** The preview of an open approval (asked with `previewPending`) is ready. */
  'chat.approvalPreview': z.object({ requestId: ChatIdSchema, preview: PreviewSchema }),
  /** Every command, from the model or typed as `!cmd`, once the policy has judged it and before it runs (or is refused). */
  'chat.commandStart': CommandStartSchema,
  /** Past policy and approval: the command has started (its card leaves "waiting"). */
  'chat.commandRunning': z.object({ callId: z.string() }),
  'chat.commandOutput': z.object({ callId: z.string(), stream: OutputStreamSchema, data: z.string() }),
  'chat.commandDone': CommandDoneSchema,
  /** `callId`: the notice is about that command, whose card already says it (a UI may show it there instead). */
  'chat.notice': z.object({
    turnId: ChatIdSchema.nullable(),
    level: z.enum(['info', 'warning']),
    message: z.string(),
    callId: z.string().optional(),
  }),
  'chat.error': z.object({ turnId: ChatIdSchema.nullable(), kind: z.string(), message: z.string() }),
  'chat.turnDone': z.object({ turnId: ChatIdSchema, status: z.enum(['done', 'cancelled', 'error', 'max_rounds']) }),
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallRequest<N extends CallName> = z.input<Calls[N]['request']>;
export type CallResponse<N extends CallName> = z.output<Calls[N]['response']>;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const callNames = Object.keys(calls) as CallName[];
export const eventNames = Object.keys(events) as EventName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(calls, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

/** What a failed call rejects with, on every host. */
export const BridgeErrorCodeSchema = z.enum(['invalid_request', 'unknown_call', 'forbidden', 'not_found', 'unavailable', 'internal']);
export type BridgeErrorCode = z.infer<typeof BridgeErrorCodeSchema>;
export const BridgeErrorPayloadSchema = z.object({ code: BridgeErrorCodeSchema, message: z.string() });
export type BridgeErrorPayload = z.infer<typeof BridgeErrorPayloadSchema>;

export class BridgeError extends Error {
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BridgeError';
  }
  toPayload(): BridgeErrorPayload {
    return { code: this.code, message: this.message };
  }
}

/** What `window.aios` is, in Electron (preload) and in the browser (WebSocket). */
export interface AiosBridge {
  call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** Renders a zod error as one line a person can act on. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(payload)'}: ${i.message}`).join('; ');
}
