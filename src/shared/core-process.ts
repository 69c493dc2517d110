/**
 * The messages between Electron's main process and the core running in its
 * utility process. Calls and events from the UI do not pass here: they travel
 * over a MessagePort straight from the renderer, framed as the WebSocket host
 * frames them (ClientMessage / ServerMessage in wire.ts).
 */
import { z } from 'zod';
import { ApprovalRequestSchema } from './contract';
import { PreviewSchema } from './preview';

/** The name `utilityProcess.fork` gives the core (shown in task managers and crash reports). */
export const CORE_SERVICE_NAME = 'aios-core';

export const MainToCoreSchema = z.discriminatedUnion('type', [
  /** Heartbeat: the core answers with the same `seq`. */
  z.object({ type: z.literal('ping'), seq: z.number().int() }),
  /** A new renderer link; the MessagePort travels as the message's only port. */
  z.object({ type: z.literal('attach'), clientId: z.string().max(100) }),
  /** The person's answer to one `approval` request. */
  z.object({
    type: z.literal('approval-answer'),
    requestId: z.string(),
    approved: z.boolean(),
    remember: z.boolean().optional(),
    edit: z.boolean().optional(),
  }),
  /** Close shells and the memory file, then exit. */
  z.object({ type: z.literal('shutdown') }),
]);
export type MainToCore = z.infer<typeof MainToCoreSchema>;

export const CoreToMainSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({ type: z.literal('pong'), seq: z.number().int() }),
  /** The core needs a yes or no: main shows its native dialog (the renderer has no say). */
  z.object({ type: z.literal('approval'), request: ApprovalRequestSchema }),
  /** The preview of an open `approval` is ready: main shows it with the question. */
  z.object({ type: z.literal('approval-preview'), requestId: z.string(), preview: PreviewSchema }),
  /** The turn was cancelled or the approval timed out: main takes the dialog away. */
  z.object({ type: z.literal('approval-cancel'), requestId: z.string() }),
]);
export type CoreToMain = z.infer<typeof CoreToMainSchema>;
