/**
 * The bridge contract: every call between a UI and the core, and every event
 * the core streams to a UI. Preload, Electron IPC, the WebSocket host and the
 * renderer all derive their names and validation from this one table.
 */
import { z } from 'zod';
import { PreviewSchema } from './preview';

/** A call is a request schema and a response schema, validated both ways. */
export interface CallSpec<Req extends z.ZodType, Res extends z.ZodType> {
  request: Req;
  response: Res;
}
function call<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res): CallSpec<Req, Res> {
  return { request, response };
}

export const HostKindSchema = z.enum(['electron', 'web', 'tty']);
export type HostKind = z.infer<typeof HostKindSchema>;

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  host: HostKindSchema,
  platform: z.string(),
  machine: z.string(),
  configDir: z.string(),
  configFile: z.string(),
  dataDir: z.string(),
  memoryDb: z.string(),
  /** `[ui] font_size`: the base text size in CSS pixels; Ctrl+=/−/0 scale it. */
  fontSize: z.number().int().min(8).max(48),
  /** `[ui] theme`; absent (an older core) means "system". */
  theme: z.enum(['system', 'light', 'dark']).optional(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

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

/** Chat: one conversation with the AI, driven by any UI. Ids are minted by the core. */
export const ChatIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'not a chat id');
export const MAX_CHAT_TEXT = 100_000;
/** Text too long for a message is saved as a file the model reads with commands; this much at most (one wire frame holds it). */
export const MAX_ATTACHMENT_TEXT = 512 * 1024;
const chatDecision = z.enum(['auto_allow', 'notify', 'require_approval', 'deny']);
/** The model's tool for a shell command line: its calls are command cards, restored from their records. */
export const RUN_COMMAND = 'run_command';

export const ConversationItemSchema = z.object({
  role: z.enum(['user', 'assistant', 'tool']),
  text: z.string(),
  /** For tool results: the tool's name; for assistant tool calls: the calls made. */
  toolName: z.string().optional(),
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })).optional(),
  /**
   * A long message restored folded: `text` is its head (the first `at` characters) and its tail; the
   * `omittedChars` between them come on demand from chat.message with this `seq`.
   */
  folded: z.object({ seq: z.number().int(), at: z.number().int().nonnegative(), omittedChars: z.number().int().positive() }).optional(),
});
export type ConversationItem = z.infer<typeof ConversationItemSchema>;

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

export const ChatStateSchema = z.object({
  conversationId: z.string(),
  messages: z.array(ConversationItemSchema),
  /** The model in use ("gpt-4o-mini @ OpenAI"), or null with `problem` saying what to set. */
  provider: z.string().nullable(),
  problem: z.string().nullable(),
  busy: z.boolean(),
  /** Approvals still waiting for an answer, so a UI that (re)loads can show them. */
  approvals: z.array(ApprovalRequestSchema),
  /** Structured records of the run_command calls in `messages`, for the cards (conversations older than records have none). */
  commands: z.array(CommandRecordSchema),
  /** Calls the previous aios left unfinished when it stopped (crash, kill), found at this start: `ran` false means it was still waiting (an approval question that is gone). */
  interrupted: z.array(z.object({ command: z.string(), ran: z.boolean() })).optional(),
});
export type ChatState = z.infer<typeof ChatStateSchema>;

export const ChatCommandResultSchema = z.object({
  command: z.string(),
  decision: chatDecision,
  rule: z.string().nullable(),
  ran: z.boolean(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  output: z.string(),
});

/** One problem with config.toml, where it is written and in words. */
export const ConfigProblemSchema = z.object({
  file: z.string(),
  line: z.number().int().nullable(),
  column: z.number().int().nullable(),
  message: z.string(),
  /** `file:line:col: message`, ready to show. */
  text: z.string(),
});

/** The config file as the core read it; non-empty problems mean the safe policy is in force. */
export const ConfigStateSchema = z.object({
  file: z.string(),
  exists: z.boolean(),
  problems: z.array(ConfigProblemSchema),
  /** Unknown keys outside the policy's sections: ignored, each with the closest known key. */
  warnings: z.array(ConfigProblemSchema).optional(),
  safeFallback: z.boolean(),
});
export type ConfigState = z.infer<typeof ConfigStateSchema>;

/** A variable the setup form may name for the key: `*API_KEY`, so no other secret of the environment can be sent anywhere. */
export const ApiKeyEnvSchema = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*API_KEY$/, 'the key variable must be an upper-case name ending in API_KEY (e.g. OPENAI_API_KEY)');
const baseUrlField = z.string().trim().min(1).max(2000).url('write the base URL like http://127.0.0.1:11434/v1');

/** What the first-run form needs: the config file, the current [ai] settings, a local Ollama if one answers. */
export const SetupStateSchema = z.object({
  config: ConfigStateSchema,
  ai: z.object({ baseUrl: z.string().nullable(), model: z.string().nullable(), apiKeyEnv: z.string(), keySet: z.boolean() }),
  ollama: z.object({ url: z.string(), baseUrl: z.string(), models: z.array(z.string()) }).nullable(),
});
export type SetupState = z.infer<typeof SetupStateSchema>;

export const ProviderProbeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), url: z.string(), models: z.array(z.string()) }),
  z.object({ ok: z.literal(false), url: z.string(), message: z.string() }),
]);
export type ProviderProbe = z.infer<typeof ProviderProbeSchema>;

/** What the status bar shows: asked once with `app.status` on connect, then pushed as `app.statusChanged`. */
export const AppStatusSchema = z.object({
  machine: z.string(),
  /** "gpt-4o-mini @ OpenAI", or null with `problem` saying how to set one up. */
  provider: z.string().nullable(),
  problem: z.string().nullable(),
  /** The last request to the provider failed: why, in words (cleared by the next answer). */
  providerError: z.string().nullable(),
  busy: z.boolean(),
  config: ConfigStateSchema,
  memory: z.object({
    /** `aigpt`: mcp.json runs aigpt and it is installed; `builtin`: aios's own store of the same file; `off`: the file cannot be used. */
    kind: z.enum(['builtin', 'aigpt', 'off']),
    path: z.string(),
    rows: z.number().int().nullable(),
    problem: z.string().nullable(),
  }),
  /** Where the permission rules come from: the shipped floor plus config.toml, or (replace_shipped) config.toml alone. */
  policy: z
    .object({
      shipped: z.enum(['floor', 'replaced']),
      fallback: z.boolean(),
      profile: z.string().nullable(),
    })
    .optional(),
  /** Wall 1: whether auto-allowed commands run in bubblewrap; when not, why (they then run as notify). */
  sandbox: z.object({ available: z.boolean(), detail: z.string() }),
  mcp: z.array(
    z.object({
      name: z.string(),
      state: z.enum(['idle', 'starting', 'ready', 'restarting', 'failed', 'disabled', 'misconfigured', 'closed']),
      /** The last error or a standing note, in words a person can act on. */
      detail: z.string().nullable(),
    }),
  ),
});
export type AppStatus = z.infer<typeof AppStatusSchema>;

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
  'terminal.data': z.object({ id: TerminalIdSchema, data: z.string() }),
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
