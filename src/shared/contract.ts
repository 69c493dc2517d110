/**
 * The bridge contract: every call between a UI and the core, and every event
 * the core streams to a UI. Preload, Electron IPC, the WebSocket host and the
 * renderer all derive their names and validation from this one table.
 */
import { z } from 'zod';

/** A call is a request schema and a response schema, validated both ways. */
export interface CallSpec<Req extends z.ZodType, Res extends z.ZodType> {
  request: Req;
  response: Res;
}
function call<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res): CallSpec<Req, Res> {
  return { request, response };
}

export const HostKindSchema = z.enum(['electron', 'web']);
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
});
export type TerminalSession = z.infer<typeof TerminalSessionSchema>;

export const calls = {
  'app.info': call(z.strictObject({}), AppInfoSchema),
  'terminal.open': call(
    z.strictObject({ cols, rows, attach: z.boolean().optional() }),
    TerminalSessionSchema,
  ),
  'terminal.write': call(z.strictObject({ id: TerminalIdSchema, data: z.string().max(MAX_TERMINAL_WRITE) }), z.null()),
  'terminal.resize': call(z.strictObject({ id: TerminalIdSchema, cols, rows }), z.null()),
  /** The UI acknowledges characters it has rendered; the core resumes a paused shell. */
  'terminal.ack': call(z.strictObject({ id: TerminalIdSchema, chars: z.number().int().min(0).max(100_000_000) }), z.null()),
  'terminal.close': call(z.strictObject({ id: TerminalIdSchema }), z.null()),
} as const;

export const events = {
  'terminal.data': z.object({ id: TerminalIdSchema, data: z.string() }),
  'terminal.exit': z.object({ id: TerminalIdSchema, exitCode: z.number().int(), signal: z.number().int().optional() }),
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
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(payload)'}: ${i.message}`)
    .join('; ');
}
