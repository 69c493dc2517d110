import { describeZodError } from '../../shared/contract';
import { ClientMessageSchema, type ServerMessage } from '../../shared/wire';
import type { Core } from '../core';
import type { CorePort } from './ports';

/**
 * Answers the bridge contract over one renderer MessagePort, with the frames
 * of the WebSocket host: `call` in, `result` and `event` out. Every payload
 * goes through `dispatchCall`, so validation is the same as on every host.
 * Returns a function that stops serving and closes the port.
 */
export function serveCorePort(core: Core, port: CorePort, clientId: string): () => void {
  let open = true;
  const send = (message: ServerMessage) => {
    if (open) port.postMessage(message);
  };
  const client = core.connect(clientId, (name, payload) => send({ type: 'event', name, payload }));
  port.on('message', ({ data }) => {
    const parsed = ClientMessageSchema.safeParse(data);
    if (!parsed.success) {
      const id = typeof (data as { id?: unknown } | null)?.id === 'number' ? (data as { id: number }).id : null;
      send({
        type: 'result',
        id,
        ok: false,
        error: { code: 'invalid_request', message: `malformed message: ${describeZodError(parsed.error)}` },
      });
      return;
    }
    const { id, name, payload } = parsed.data;
    void client
      .call(name, payload)
      .then((result) =>
        send(result.ok ? { type: 'result', id, ok: true, value: result.value } : { type: 'result', id, ok: false, error: result.error }),
      );
  });
  const stop = () => {
    if (!open) return;
    open = false;
    // The window went: its terminals must no longer wait for its acknowledgements.
    client.close();
    port.close();
  };
  port.on('close', stop);
  port.start();
  return stop;
}
