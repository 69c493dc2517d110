import { BridgeError, BridgeErrorCodeSchema, type BridgeErrorCode } from './contract';

/**
 * Errors cross Electron's contextBridge as plain messages, so the code rides
 * in the message as `[code] text`; both bridges use this form and the
 * renderer turns it back into a BridgeError.
 */
export function bridgeErrorMessage(code: string, message: string): string {
  return `[${code}] ${message}`;
}

export function toBridgeError(err: unknown): BridgeError {
  if (err instanceof BridgeError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const m = /\[([a-z_]+)\] ([\s\S]*)$/.exec(text);
  if (m) {
    const code = BridgeErrorCodeSchema.safeParse(m[1]);
    if (code.success) return new BridgeError(code.data as BridgeErrorCode, m[2] ?? '');
  }
  return new BridgeError('internal', text);
}
