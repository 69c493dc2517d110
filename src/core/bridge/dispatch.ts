import { type z } from 'zod';
import {
  BridgeError,
  calls,
  describeZodError,
  isCallName,
  type BridgeErrorPayload,
  type CallName,
  type CallResponse,
} from '../../shared/contract';

/** Who is calling: hosts fill this in; services may use it to scope state. */
export interface CallContext {
  /** A stable id of the connected UI (a WebSocket connection, a webContents). */
  clientId: string;
}

export type Handler<N extends CallName> = (
  request: z.output<(typeof calls)[N]['request']>,
  context: CallContext,
) => Promise<CallResponse<N>> | CallResponse<N>;

export type Handlers = { [N in CallName]: Handler<N> };

export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: BridgeErrorPayload };

/**
 * The one place a call from any UI enters the core: the name must be in the
 * contract, the payload must pass the request schema, and the handler's
 * answer must pass the response schema (a core bug must not leak odd shapes).
 */
export async function dispatchCall(handlers: Handlers, name: unknown, payload: unknown, context: CallContext): Promise<DispatchResult> {
  if (!isCallName(name)) {
    return { ok: false, error: { code: 'unknown_call', message: `unknown call '${String(name)}'` } };
  }
  const spec = calls[name];
  const parsed = spec.request.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, error: { code: 'invalid_request', message: `invalid payload for ${name}: ${describeZodError(parsed.error)}` } };
  }
  try {
    const handler = handlers[name] as Handler<CallName>;
    const value: unknown = await handler(parsed.data as never, context);
    const checked = spec.response.safeParse(value);
    if (!checked.success) {
      return {
        ok: false,
        error: { code: 'internal', message: `${name} produced an invalid response: ${describeZodError(checked.error)}` },
      };
    }
    return { ok: true, value: checked.data };
  } catch (err) {
    if (err instanceof BridgeError) return { ok: false, error: err.toPayload() };
    return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
  }
}
