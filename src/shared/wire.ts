/**
 * The WebSocket wire format of the browser host: the same contract as
 * Electron IPC, framed as JSON messages.
 */
import { z } from 'zod';
import { BridgeErrorPayloadSchema, type EventName } from './contract';

/** Frames larger than this are refused by the server (and close that socket). */
export const MAX_WIRE_FRAME_BYTES = 1024 * 1024;

export const ClientMessageSchema = z.strictObject({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  name: z.string().max(100),
  payload: z.unknown(),
});
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export const ServerMessageSchema = z.union([
  z.object({ type: z.literal('result'), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('result'), id: z.number().int().nullable(), ok: z.literal(false), error: BridgeErrorPayloadSchema }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
  /** The first frame of a socket the server keeps (one over the tab cap is closed instead, with CLOSE_TOO_MANY). */
  z.object({ type: z.literal('ready') }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

/**
 * JSON carries no bytes: where an event's payload holds bytes in the
 * contract (a Uint8Array), this field of it goes over the WebSocket as
 * base64, a third larger whatever the bytes (as JSON text a control
 * character took six). The web host encodes it; the page's bridge decodes it
 * and checks the payload against the contract.
 */
export const BYTES_FIELD_ON_WIRE: { readonly [N in EventName]?: string } = { 'terminal.data': 'data' };

/** Query parameter of the printed URL: a one-time login ticket, spent on first use. */
export const LOGIN_TICKET_PARAM = 'ticket';
/** Cookie of a logged-in browser (HttpOnly, SameSite=Strict), valid across restarts of the same install. */
export const SESSION_COOKIE = 'aios_session';
/** WebSocket close code: the server dropped a client that stopped reading (it reconnects and resyncs). */
export const CLOSE_TOO_SLOW = 4008;
/** WebSocket close code: too many tabs are open (for this session, or in all); the reason says so, and the tab retries until one closes. */
export const CLOSE_TOO_MANY = 4029;
/** Path of the single WebSocket endpoint. */
export const WS_PATH = '/bridge';
